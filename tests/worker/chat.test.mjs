// The Worker in workerd against the emulator: one routed request end to end, fallback, errors.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { startEmulator, estimatePromptTokens, estimateCompletionTokens, replyText } from "../emulator/emulator.mjs";
import { parseAttempts, startLlmroute, TEST_CLIENT_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

const OpenAI = createRequire(new URL("../../worker/package.json", import.meta.url))("openai").default;

const hello = { model: "chat", messages: [{ role: "user", content: "Say hello to the router." }] };

// Prices of the bundled config, in micro-dollars per million tokens.
const MINI = { input: 150000n, output: 600000n };
const GPT4O = { input: 2500000n, output: 10000000n };

/** Expected cost in micro-dollars: exact product, rounded half up once. */
function expectedCost(price, promptTokens, completionTokens) {
  const pico = BigInt(promptTokens) * price.input + BigInt(completionTokens) * price.output;
  const micro = pico / 1000000n + (pico % 1000000n >= 500000n ? 1n : 0n);
  return `0.${micro.toString().padStart(6, "0")}`;
}

describe("llmroute Worker with the bundled config", () => {
  let emulator;
  let llmroute;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({ gatewayUrl: emulator.url });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  test("a chat completion is routed, answered and priced", async () => {
    const res = await llmroute.chat(hello);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o-mini");
    assert.equal(res.headers.get("x-llmroute-route"), "chat");
    const body = await res.json();
    assert.equal(body.object, "chat.completion");
    assert.equal(body.choices[0].message.content, replyText("openai", "gpt-4o-mini"));
    const expected = expectedCost(MINI, body.usage.prompt_tokens, body.usage.completion_tokens);
    assert.equal(res.headers.get("x-llmroute-cost-usd"), expected);
    assert.equal(res.headers.get("x-llmroute-cost-status"), "measured");
    const [attempt] = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual({ target: attempt.target, outcome: attempt.outcome, status: attempt.status },
      { target: "openai/gpt-4o-mini", outcome: "ok", status: 200 });

    // What reached the gateway: the AI Gateway URL scheme, the key, the translated body.
    assert.equal(emulator.requests.length, 1);
    const sent = emulator.requests[0];
    assert.equal(sent.provider, "openai");
    assert.equal(new URL(sent.url, "http://x").pathname, "/v1/emu-account/emu-gateway/openai/chat/completions");
    assert.equal(sent.headers.authorization, `Bearer ${TEST_SECRETS.OPENAI_API_KEY}`);
    assert.equal(sent.headers["cf-aig-authorization"], undefined);
    assert.equal(sent.json.model, "gpt-4o-mini");
    assert.deepEqual(sent.json.messages, hello.messages);
    assert.equal(body.usage.prompt_tokens, estimatePromptTokens(sent.json));
  });

  test("the official openai client works against the Worker", async () => {
    const client = new OpenAI({ baseURL: `${llmroute.url}/v1`, apiKey: TEST_CLIENT_KEY, maxRetries: 0 });
    const { data: completion, response } = await client.chat.completions
      .create({ model: "chat", messages: [{ role: "user", content: "Hi from the SDK" }], temperature: 0.3 })
      .withResponse();
    assert.equal(completion.choices[0].message.content, replyText("openai", "gpt-4o-mini"));
    assert.equal(completion.choices[0].finish_reason, "stop");
    assert.ok(completion.usage.total_tokens > 0);
    assert.equal(response.headers.get("x-llmroute-cost-usd"),
      expectedCost(MINI, completion.usage.prompt_tokens, completion.usage.completion_tokens));
    assert.equal(emulator.requests[0].json.temperature, 0.3);

    // Errors come back as the SDK's typed errors.
    await assert.rejects(
      client.chat.completions.create({ model: "no-such-route", messages: [{ role: "user", content: "x" }] }),
      (err) => err instanceof OpenAI.NotFoundError && err.code === "model_not_found",
    );
  });

  test("when the first target answers 503 the second one answers", async () => {
    // gpt-4o-mini has two attempts in the bundled config: both fail, then gpt-4o answers.
    emulator.addFault({ provider: "openai", model: "gpt-4o-mini", status: 503, times: 2 });
    const res = await llmroute.chat(hello);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o");
    const body = await res.json();
    assert.equal(res.headers.get("x-llmroute-cost-usd"),
      expectedCost(GPT4O, body.usage.prompt_tokens, body.usage.completion_tokens));
    const attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual(attempts.map((a) => [a.target, a.outcome, a.status, a.reason]), [
      ["openai/gpt-4o-mini", "retryable_error", 503, "status_503"],
      ["openai/gpt-4o-mini", "retryable_error", 503, "status_503"],
      ["openai/gpt-4o", "ok", 200, undefined],
    ]);
    assert.deepEqual(emulator.requests.map((r) => r.json.model), ["gpt-4o-mini", "gpt-4o-mini", "gpt-4o"]);
  });

  test("a dropped connection, a malformed body and a 429 with retry-after all fall back", async () => {
    emulator.addFault({ provider: "openai", model: "gpt-4o-mini", kind: "drop" });
    emulator.addFault({ provider: "openai", model: "gpt-4o-mini", kind: "malformed" });
    emulator.addFault({ provider: "openai", model: "gpt-4o", status: 429, headers: { "retry-after": "0" } });
    const res = await llmroute.chat(hello);
    assert.equal(res.status, 200);
    const attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual(attempts.map((a) => [a.target, a.outcome, a.reason]), [
      ["openai/gpt-4o-mini", "network_error", "network"],
      ["openai/gpt-4o-mini", "retryable_error", "malformed_answer"],
      ["openai/gpt-4o", "retryable_error", "status_429"],
      ["openai/gpt-4o", "ok", undefined],
    ]);
  });

  test("a client error from the provider is answered as is, without fallback", async () => {
    emulator.addFault({ provider: "openai", status: 400, body: JSON.stringify({ error: { message: "Invalid 'temperature': must be <= 2", type: "invalid_request_error", param: "temperature", code: "invalid_value" } }) });
    const res = await llmroute.chat({ ...hello, temperature: 9 });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.deepEqual(body.error, { message: "Invalid 'temperature': must be <= 2", type: "invalid_request_error", param: null, code: "invalid_value" });
    assert.equal(emulator.requests.length, 1);
  });

  test("every target failing gives one error naming each attempt", async () => {
    emulator.addFault({ provider: "openai", status: 500, times: Infinity });
    const res = await llmroute.chat(hello);
    assert.equal(res.status, 502);
    const body = await res.json();
    assert.equal(body.error.code, "upstream_error");
    assert.match(body.error.message, /openai\/gpt-4o-mini: retryable_error HTTP 500/);
    assert.match(body.error.message, /openai\/gpt-4o: retryable_error HTTP 500/);
    assert.equal(parseAttempts(res.headers.get("x-llmroute-attempts")).length, 4);  // two tries of each target
  });

  test("direct provider/model requests and models lists", async () => {
    let res = await llmroute.chat({ model: "openai/gpt-4.1-mini", messages: hello.messages });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4.1-mini");
    assert.equal(res.headers.get("x-llmroute-route"), null);

    emulator.addFault({ model: "gpt-5-nano", status: 503, times: Infinity });
    res = await llmroute.chat({ models: ["openai/gpt-5-nano", "openai/gpt-4o"], messages: hello.messages });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o");
    assert.equal(emulator.requests.at(-1).json.models, undefined);
  });

  test("bad requests get OpenAI-shaped errors with the right status, and reach no provider", async () => {
    const cases = [
      [{ body: "{not json" }, 400, "invalid_json"],
      [{ body: "" }, 400, "empty_body"],
      [{ body: JSON.stringify({ model: "chat" }) }, 400, "missing_required_parameter"],
      [{ body: JSON.stringify({ model: "chat", messages: "hi" }) }, 400, "invalid_type"],
      [{ body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x" }], temperature: "hot" }) }, 400, "invalid_type"],
      [{ body: JSON.stringify({ model: "gpt-99", messages: [{ role: "user", content: "x" }] }) }, 404, "model_not_found"],
      [{ body: "[".repeat(500) + "]".repeat(500) }, 400, "json_too_deep"],
      // Invalid UTF-8 inside a JSON string (bytes 0xff 0xfe).
      [{ body: Buffer.concat([Buffer.from('{"model":"chat","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]) }, 400, "invalid_json"],
      [{ body: JSON.stringify({ model: "chat", messages: [{ role: "wizard", content: "x" }] }) }, 400, "invalid_value"],
      [{ body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: 42 }] }) }, 400, "invalid_type"],
      [{ body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x" }], max_tokens: -1 }) }, 400, "invalid_value"],
      [{ body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x" }], stream: "yes" }) }, 400, "invalid_type"],
      [{ body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "x" }], tools: {} }) }, 400, "invalid_type"],
      [{ body: JSON.stringify({ model: "chat", messages: Array.from({ length: 3000 }, () => ({ role: "user", content: "x" })) }) }, 400, "too_many_messages"],
      [{ body: "x".repeat(2 * 1024 * 1024) }, 413, "request_too_large"],
      [{ body: JSON.stringify(hello), contentType: "text/plain" }, 415, "unsupported_media_type"],
    ];
    for (const [{ body, contentType = "application/json" }, status, code] of cases) {
      const res = await llmroute.fetch("/v1/chat/completions", { method: "POST", headers: { "content-type": contentType, authorization: `Bearer ${TEST_CLIENT_KEY}` }, body });
      assert.equal(res.status, status, `${code}: status`);
      assert.match(res.headers.get("content-type"), /^application\/json/);
      const json = await res.json();
      assert.equal(json.error.code, code);
      assert.equal(typeof json.error.message, "string");
      assert.ok("type" in json.error && "param" in json.error, code);
    }
    const wrongMethod = await llmroute.fetch("/v1/chat/completions");
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "POST");
    const unknown = await llmroute.fetch("/v2/whatever");
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.code, "not_found");
    assert.equal(emulator.requests.length, 0);
  });

  test("healthz reports liveness", async () => {
    const res = await llmroute.fetch("/healthz");
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "ok");
  });
});

describe("llmroute Worker with a config of the test's own", () => {
  let emulator;
  before(async () => { emulator = await startEmulator(); });
  after(async () => { await emulator?.close(); });
  beforeEach(() => emulator.reset());

  test("an invalid config is refused with the path of every problem", async () => {
    const llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      config: { routes: { chat: { targets: [{ model: "openai" }, { model: "nosuch/x", retry: { attempts: 0 } }] } }, typo: true },
    });
    try {
      const health = await llmroute.fetch("/healthz");
      assert.equal(health.status, 503);
      const paths = (await health.json()).problems.map((p) => p.path);
      assert.deepEqual(paths, ["$.typo", "$.routes.chat.targets[0].model", "$.routes.chat.targets[1].retry.attempts", "$.routes.chat.targets[1].model"]);
      // The test keys were added after the routes: they are valid, so only the four problems remain.
      const res = await llmroute.chat(hello);
      assert.equal(res.status, 500);
      const body = await res.json();
      assert.equal(body.error.code, "invalid_config");
      assert.equal(body.error.problems.length, 4);
      assert.equal(emulator.requests.length, 0);
    } finally {
      await llmroute.dispose();
    }
  });

  test("a config that is not JSON is refused too", async () => {
    const llmroute = await startLlmroute({ gatewayUrl: emulator.url, config: "{ routes: " });
    try {
      const res = await llmroute.chat(hello);
      assert.equal(res.status, 500);
      assert.equal((await res.json()).error.code, "invalid_config");
    } finally {
      await llmroute.dispose();
    }
  });

  test("an attempt that hangs past its timeout is cancelled and the next target answers", async () => {
    const llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      config: { routes: { fast: { targets: [{ model: "openai/slow-model", timeout_ms: 300, retry: { attempts: 1 } }, "openai/gpt-4o-mini"] } } },
    });
    try {
      emulator.addFault({ model: "slow-model", kind: "hang" });
      const started = Date.now();
      const res = await llmroute.chat({ model: "fast", messages: hello.messages });
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started >= 300);
      const attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
      assert.deepEqual(attempts.map((a) => [a.target, a.outcome]), [["openai/slow-model", "timeout"], ["openai/gpt-4o-mini", "ok"]]);
      assert.ok(attempts[0].ms >= 300);
    } finally {
      await llmroute.dispose();
    }
  });

  test("a missing provider key skips its targets with a reason and never leaks a value", async () => {
    const llmroute = await startLlmroute({ gatewayUrl: emulator.url, secrets: {} });
    try {
      const res = await llmroute.chat(hello);
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.error.code, "no_usable_target");
      assert.match(res.headers.get("x-llmroute-attempts"), /outcome=skipped;reason=missing_secret_OPENAI_API_KEY/);
      assert.equal(emulator.requests.length, 0);
    } finally {
      await llmroute.dispose();
    }
  });
});

describe("gateway authentication modes", () => {
  test("authenticated gateway: cf-aig-authorization carries the gateway token", async () => {
    const emulator = await startEmulator({ gatewayToken: TEST_SECRETS.CF_AIG_TOKEN });
    const llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, CF_AIG_TOKEN: TEST_SECRETS.CF_AIG_TOKEN },
      config: { gateway: { authenticated: true }, routes: { chat: { targets: ["openai/gpt-4o-mini"] } } },
    });
    try {
      const res = await llmroute.chat(hello);
      assert.equal(res.status, 200);
      const sent = emulator.requests[0].headers;
      assert.equal(sent["cf-aig-authorization"], `Bearer ${TEST_SECRETS.CF_AIG_TOKEN}`);
      assert.equal(sent.authorization, `Bearer ${TEST_SECRETS.OPENAI_API_KEY}`);
      const text = JSON.stringify([...res.headers]) + (await res.text());
      for (const secret of Object.values(TEST_SECRETS)) assert.ok(!text.includes(secret));
    } finally {
      await llmroute.dispose();
      await emulator.close();
    }
  });

  test("BYOK: only the gateway token is sent, no provider key", async () => {
    const emulator = await startEmulator({ gatewayToken: TEST_SECRETS.CF_AIG_TOKEN, byok: true });
    const llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      secrets: { CF_AIG_TOKEN: TEST_SECRETS.CF_AIG_TOKEN },
      config: { gateway: { byok: ["openai"] }, routes: { chat: { targets: ["openai/gpt-4o-mini"] } } },
    });
    try {
      const res = await llmroute.chat(hello);
      assert.equal(res.status, 200);
      const sent = emulator.requests[0].headers;
      assert.equal(sent["cf-aig-authorization"], `Bearer ${TEST_SECRETS.CF_AIG_TOKEN}`);
      assert.equal(sent.authorization, undefined);
    } finally {
      await llmroute.dispose();
      await emulator.close();
    }
  });

  test("a gateway that refuses the token is a target error, and the token never reaches the client", async () => {
    const emulator = await startEmulator({ gatewayToken: "the-right-token" });
    const llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, CF_AIG_TOKEN: TEST_SECRETS.CF_AIG_TOKEN },
      config: { routes: { chat: { targets: ["openai/gpt-4o-mini"] } } },
    });
    try {
      const res = await llmroute.chat(hello);
      assert.equal(res.status, 502);
      const text = await res.text();
      assert.match(text, /HTTP 401/);
      for (const secret of Object.values(TEST_SECRETS)) assert.ok(!text.includes(secret));
    } finally {
      await llmroute.dispose();
      await emulator.close();
    }
  });
});
