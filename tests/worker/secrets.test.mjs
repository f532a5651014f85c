// Known secret values are configured, every failure the bad-input matrix and the emulator can
// produce is provoked (with secrets inside the bad requests too), and nothing the Worker writes
// (answers, headers, log lines, and then the usage API, budgets, latency, health, config and
// dashboard read with an admin key) may contain any of them: provider keys, the gateway token, or
// client keys.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

process.env.LLMROUTE_TEST_LOG_LEVEL = "log";  // capture the Worker's own log lines too
const { startEmulator } = await import("../emulator/emulator.mjs");
const { bundledConfig, startLlmroute, TEST_ADMIN_KEY, TEST_CLIENT_KEY, TEST_SECRETS } = await import("../support/worker_harness.mjs");

const written = [];  // everything printed while the Worker runs: its console lines arrive here
const restore = [];
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    written.push(String(chunk));
    return original(chunk, ...rest);
  };
  restore.push(() => { stream.write = original; });
}

const hello = { model: "chat", messages: [{ role: "user", content: "hi" }] };
let emulator;
let llmroute;

before(async () => {
  emulator = await startEmulator({ gatewayToken: TEST_SECRETS.CF_AIG_TOKEN });
  llmroute = await startLlmroute({
    gatewayUrl: emulator.url,
    secrets: { ...TEST_SECRETS },
    config: { ...bundledConfig, routes: { ...bundledConfig.routes, quick: { targets: [{ model: "openai/gpt-4o-mini", timeout_ms: 200, retry: { attempts: 1 } }] } } },
  });
});
after(async () => {
  await llmroute?.dispose();
  await emulator?.close();
  for (const undo of restore) undo();
});

test("no secret appears in any answer, header or log line, whatever fails", async () => {
  const answers = [];
  const keep = async (res) => {
    const kept = `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`;
    answers.push(kept);
    return kept;
  };
  const echo = (status) => JSON.stringify({ error: { message: `Incorrect API key provided: ${TEST_SECRETS.OPENAI_API_KEY} (token ${TEST_SECRETS.CF_AIG_TOKEN})`, type: "invalid_request_error", code: "invalid_api_key" } });

  // Provider failures, including ones whose bodies quote the secrets back.
  const faults = [
    { status: 401, body: echo(401) },
    { status: 400, body: echo(400) },
    { status: 403, body: echo(403) },
    { status: 500, body: echo(500), times: Infinity },
    { status: 429, headers: { "retry-after": "0" }, times: Infinity },
    { status: 503, times: Infinity },
    { status: 529, times: Infinity },
    { kind: "drop", times: Infinity },
    { kind: "malformed", times: Infinity },
    { kind: "wrong-content-type", times: Infinity },
  ];
  for (const fault of faults) {
    emulator.clearFaults();
    emulator.addFault(fault);
    await keep(await llmroute.chat(hello));
  }
  emulator.clearFaults();
  emulator.addFault({ kind: "hang" });
  await keep(await llmroute.chat({ ...hello, model: "quick" }));
  emulator.clearFaults();

  // Client-side failures: bad keys (including the provider key and gateway token presented as a
  // client key), bad bodies, wrong methods and types.
  for (const key of ["llmr_wrong", TEST_SECRETS.OPENAI_API_KEY, TEST_SECRETS.CF_AIG_TOKEN]) {
    await keep(await llmroute.chat(hello, { authorization: `Bearer ${key}` }));
  }
  for (const body of ["{bad", "", JSON.stringify({ model: TEST_SECRETS.OPENAI_API_KEY, messages: [{ role: "user", content: "x" }] })]) {
    await keep(await llmroute.chat(body));
  }
  await keep(await llmroute.fetch("/v1/chat/completions"));
  // An Anthropic-style client presenting the provider key as its own.
  await keep(await llmroute.chat(hello, { authorization: "", "x-api-key": TEST_SECRETS.ANTHROPIC_API_KEY }));
  // The rest of the bad-input matrix, each body carrying a secret the error must not quote back.
  const secret = TEST_SECRETS.OPENAI_API_KEY;
  const withSecret = (extra) => JSON.stringify({ ...hello, user: secret, ...extra });
  const post = (body, headers) => () => llmroute.chat(body, headers);
  const sendAs = (method) => () => llmroute.fetch("/v1/chat/completions", { method, headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` }, body: withSecret({}) });
  const badInputs = [
    ["too large", 413, post(withSecret({ padding: secret.repeat(Math.ceil((1 << 20) / secret.length)) }))],
    ["too deep", 400, post(`{"model":"chat","messages":[{"role":"user","content":"${secret}"}],"metadata":${"[".repeat(100)}${"]".repeat(100)}}`)],
    ["not UTF-8", 400, post(Buffer.concat([Buffer.from(`{"model":"chat","messages":[{"role":"user","content":"${secret}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]))],
    ["wrong types", 400, post(withSecret({ messages: secret }))],
    ["missing messages", 400, post(JSON.stringify({ model: "chat", user: secret }))],
    ["wrong content type", 415, post(withSecret({}), { "content-type": "text/plain" })],
    ["PUT", 405, sendAs("PUT")],
    ["DELETE", 405, sendAs("DELETE")],
  ];
  for (const [what, status, send] of badInputs) {
    const res = await send();
    assert.equal(res.status, status, what);
    await keep(res);
  }
  // And a success, on a provider whose circuit the faults above left closed.
  const success = await llmroute.chat({ ...hello, model: "claude" });
  assert.equal(success.status, 200);
  await keep(success);

  // Every admin surface, read after all of the above: usage (JSON and CSV), budgets, latency,
  // health, the config in force, and the dashboard page.
  const admin = { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } };
  const usagePath = "/v1/usage?group_by=key,route,provider,model";
  for (const path of [usagePath, "/v1/usage?group_by=key&format=csv", "/v1/budgets", "/v1/latency", "/healthz", "/v1/config", "/dashboard"]) {
    const res = await llmroute.fetch(path, admin);
    assert.equal(res.status, 200, path);
    const kept = await keep(res);
    if (path === usagePath) assert.ok(kept.includes("test-client"), "the usage API answered with the calls made above");
  }

  // The secrets were really in play: the gateway saw them.
  assert.ok(emulator.requests.some((r) => r.headers.authorization === `Bearer ${TEST_SECRETS.OPENAI_API_KEY}`));
  assert.ok(emulator.requests.some((r) => r.headers["cf-aig-authorization"] === `Bearer ${TEST_SECRETS.CF_AIG_TOKEN}`));
  assert.ok(emulator.requests.some((r) => r.headers["x-api-key"] === TEST_SECRETS.ANTHROPIC_API_KEY));

  await new Promise((resolve) => setTimeout(resolve, 200));  // let the last log lines arrive
  const everything = answers.join("\n") + written.join("");
  assert.ok(written.some((line) => line.includes("llmroute.usage")), "the Worker's log lines were captured");
  // The model name that was a secret is the client's own input, echoed in its 404: that one is
  // the client's to know. Everything else must be clean.
  const outside = everything.replaceAll(`'${TEST_SECRETS.OPENAI_API_KEY}' is not a route`, "");
  for (const [name, value] of Object.entries({ ...TEST_SECRETS, TEST_CLIENT_KEY, TEST_ADMIN_KEY })) {
    assert.ok(!outside.includes(value), `${name} leaked`);
  }
  assert.ok(answers.some((a) => a.includes("[redacted]")), "a provider message quoting a key was redacted");
});
