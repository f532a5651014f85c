// Replacing the routing config at run time (PUT/GET/DELETE /v1/config), through the Worker and its
// ledger Durable Object in workerd: a bad config is refused with its problems and the last good one
// stays; a good one runs at once; other processes sharing the ledger follow at their version check.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startEmulator } from "../emulator/emulator.mjs";
import { bundledConfig, startLlmroute, TEST_ADMIN_KEY, TEST_CLIENT_KEY, TEST_SECRETS, withTestKeys } from "../support/worker_harness.mjs";

const deployed = withTestKeys(bundledConfig);  // what the Worker is started with: route "chat"
const replacement = { ...deployed, routes: { fresh: { targets: ["openai/gpt-4o"] } } };  // "chat" gone, "fresh" new
const ask = (model) => ({ model, messages: [{ role: "user", content: "Which config?" }] });
const secrets = { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, CF_AIG_TOKEN: TEST_SECRETS.CF_AIG_TOKEN };

describe("replacing the routing config at run time", () => {
  let emulator;
  let persist;
  let llmroute;
  const answers = [];  // every body the Worker gave in these tests, searched for secret values at the end

  // One request to /v1/config; the answer's body is kept for the secret check.
  async function config(method, { key = TEST_ADMIN_KEY, body, headers = {}, on = llmroute } = {}) {
    const init = { method, headers: { authorization: `Bearer ${key}`, ...headers } };
    if (body !== undefined) {
      init.headers["content-type"] ??= "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const res = await on.fetch("/v1/config", init);
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: JSON.parse(text) };
  }

  async function chat(model, on = llmroute) {
    const res = await on.chat(ask(model));
    const text = await res.text();
    // Processes sharing one ledger folder share its SQLite file, which a real deployment never does
    // (one Durable Object, one writer): a usage record written late by one process can find the
    // file locked by another (SQLITE_BUSY). Reading usage writes this process's waiting records
    // now, so no write is left to collide with the next request elsewhere.
    if (on !== llmroute) assert.equal((await on.fetch("/v1/usage", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).status, 200);
    answers.push(text);
    return { status: res.status, model: res.headers.get("x-llmroute-model"), body: JSON.parse(text) };
  }

  before(async () => {
    emulator = await startEmulator();
    persist = mkdtempSync(join(tmpdir(), "llmroute-config-"));
    llmroute = await startLlmroute({ gatewayUrl: emulator.url, config: deployed, secrets, persist, vars: { LLMROUTE_CONFIG_REFRESH_MS: "0" } });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
    if (persist) rmSync(persist, { recursive: true, force: true });
  });
  // Every test starts from the deployed config.
  beforeEach(async () => assert.equal((await config("DELETE")).status, 200));

  test("nothing stored yet: the deployed config is in force", async () => {
    const got = await config("GET");
    assert.equal(got.status, 200);
    assert.equal(got.body.source, "deployed");
    assert.deepEqual(got.body.config, deployed);
    assert.equal((await chat("chat")).status, 200);
  });

  test("a non-admin key gets 403, no key 401, and nothing changes", async () => {
    const before = (await config("GET")).body.version;
    const refused = await config("PUT", { key: TEST_CLIENT_KEY, body: replacement });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "admin_only");
    assert.equal((await config("DELETE", { key: TEST_CLIENT_KEY })).status, 403);
    assert.equal((await config("GET", { key: TEST_CLIENT_KEY })).status, 403);
    assert.equal((await config("PUT", { key: "", body: replacement })).status, 401);
    const after = await config("GET");
    assert.equal(after.body.version, before);
    assert.equal(after.body.source, "deployed");
    assert.equal((await chat("chat")).status, 200);
    assert.equal((await chat("fresh")).status, 404);
  });

  test("an invalid config is refused with every problem's path, and the old routes still answer", async () => {
    const before = (await config("GET")).body.version;
    const invalid = { ...deployed, routes: { chat: { targets: ["opnai/gpt-4o-mini"] }, nested: { targets: [{ route: "missing" }] } } };
    const refused = await config("PUT", { body: invalid });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, "invalid_config");
    assert.equal(refused.body.error.type, "invalid_request_error");
    const paths = refused.body.error.problems.map((p) => p.path);
    assert.ok(paths.some((p) => p.startsWith("$.routes.chat.targets[0]")), paths.join(" "));
    assert.ok(paths.some((p) => p.startsWith("$.routes.nested.targets[0]")), paths.join(" "));
    assert.match(refused.body.error.problems.find((p) => p.path.startsWith("$.routes.chat")).message, /unknown provider 'opnai'/);

    assert.equal((await config("GET")).body.version, before);
    const still = await chat("chat");
    assert.equal(still.status, 200);
    assert.equal(still.model, "gpt-4o-mini");
  });

  test("a body that is no config is refused as the chat endpoint refuses one: 400, 415, 413", async () => {
    const malformed = await config("PUT", { body: "{\"routes\": " });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, "invalid_json");
    assert.equal((await config("PUT", { body: "[]" })).body.error.code, "invalid_config");
    const wrongType = await config("PUT", { body: replacement, headers: { "content-type": "text/plain" } });
    assert.equal(wrongType.status, 415);
    const huge = { ...replacement, padding: "x".repeat(deployed.limits?.max_body_bytes ?? 1_048_576) };
    const tooLarge = await config("PUT", { body: huge });
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.error.code, "request_too_large");
    assert.equal((await config("GET")).body.source, "deployed");
  });

  test("a config without an admin key is refused: it would lock every operator out", async () => {
    const before = (await config("GET")).body.version;
    const noAdmin = { ...replacement, keys: deployed.keys.filter((k) => !k.admin) };
    const refused = await config("PUT", { body: noAdmin });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, "no_admin_key");
    assert.equal((await config("GET")).body.version, before);
    assert.equal((await chat("fresh")).status, 404);
  });

  test("a config holding a secret's value is refused, and the value is not echoed", async () => {
    const leaky = { ...replacement, routes: { fresh: { targets: [{ model: "openai/gpt-4o", overrides: { user: TEST_SECRETS.OPENAI_API_KEY } }] } } };
    const refused = await config("PUT", { body: leaky });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, "config_holds_secret");
    assert.equal((await chat("fresh")).status, 404);
  });

  test("a valid config is in force at once: its new route answers, a removed route is unknown", async () => {
    const before = (await config("GET")).body.version;
    const put = await config("PUT", { body: replacement });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.active, true);
    assert.equal(put.body.source, "stored");
    assert.equal(put.body.by_key, "test-admin");
    assert.ok(put.body.version > before, `${put.body.version} after ${before}`);

    const fresh = await chat("fresh");
    assert.equal(fresh.status, 200);
    assert.equal(fresh.model, "gpt-4o");
    const gone = await chat("chat");
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, "model_not_found");

    const got = await config("GET");
    assert.equal(got.body.source, "stored");
    assert.equal(got.body.version, put.body.version);
    assert.equal(got.body.by_key, "test-admin");
    assert.ok(Math.abs(got.body.stored_ms - Date.now()) < 60_000);
    assert.deepEqual(got.body.config, replacement);
  });

  test("DELETE goes back to the deployed config, as a new version", async () => {
    const put = await config("PUT", { body: replacement });
    assert.equal((await chat("fresh")).status, 200);
    const restored = await config("DELETE");
    assert.equal(restored.status, 200);
    assert.equal(restored.body.source, "deployed");
    assert.ok(restored.body.version > put.body.version);
    assert.equal((await chat("chat")).status, 200);
    assert.equal((await chat("fresh")).status, 404);
    const got = await config("GET");
    assert.equal(got.body.source, "deployed");
    assert.equal(got.body.version, restored.body.version);
    assert.deepEqual(got.body.config, deployed);
  });

  test("calls in flight when the config is replaced finish on the router they started with", async () => {
    emulator.addFault({ provider: "openai", model: "gpt-4o-mini", delayMs: 800, times: 2 });
    const plain = chat("chat");
    const streamed = llmroute.chat({ ...ask("chat"), stream: true });
    await new Promise((resolve) => setTimeout(resolve, 300));  // both calls are waiting for the provider now
    assert.equal((await config("PUT", { body: replacement })).status, 200);
    assert.equal((await chat("chat")).status, 404);  // the old router is out of force...
    const answered = await plain;  // ...and still serves the calls that began on it
    assert.equal(answered.status, 200);
    assert.equal(answered.model, "gpt-4o-mini");
    const stream = await streamed;
    assert.equal(stream.status, 200);
    const text = await stream.text();
    answers.push(text);
    assert.match(text, /data: \[DONE\]/);
    emulator.reset();
  });

  describe("with a second Worker process sharing the ledger", () => {
    let other;
    before(async () => {
      // No CF_AIG_TOKEN here, and a check interval far longer than the test.
      other = await startLlmroute({ gatewayUrl: emulator.url, config: deployed, persist,
        secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY }, vars: { LLMROUTE_CONFIG_REFRESH_MS: "600000" } });
    });
    after(async () => other?.dispose());

    test("between two checks a process keeps the config it runs: no ledger call per request", async () => {
      assert.equal((await chat("chat", other)).status, 200);  // its first request: it has checked the version now
      const put = await config("PUT", { body: replacement });
      assert.equal(put.status, 200);
      // The other process checked less than its interval ago: still the deployed config.
      assert.equal((await chat("chat", other)).status, 200);
      assert.equal((await chat("fresh", other)).status, 404);
    });

    test("a change made through the other process is picked up at the next version check", async () => {
      const put = await config("PUT", { body: replacement, on: other });
      assert.equal(put.status, 200);
      // Nothing told the first process; its check (interval 0 here) finds the new version.
      const fresh = await chat("fresh");
      assert.equal(fresh.status, 200);
      assert.equal((await config("GET")).body.version, put.body.version);
    });

    test("a version that cannot be built in a process is refused there: the last good config stays, and admins are told", async () => {
      // Valid where CF_AIG_TOKEN is set; the other process has none, so its core refuses it.
      const authenticated = { ...replacement, gateway: { authenticated: true, byok: [] } };
      const put = await config("PUT", { body: authenticated });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal((await chat("fresh")).status, 200);

      const restarted = await startLlmroute({ gatewayUrl: emulator.url, config: deployed, persist,
        secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY }, vars: { LLMROUTE_CONFIG_REFRESH_MS: "0" } });
      try {
        assert.equal((await chat("chat", restarted)).status, 200);  // a new isolate: the deployed config, the last good one it has
        const got = await config("GET", { on: restarted });
        assert.equal(got.body.source, "deployed");
        assert.equal(got.body.refused.version, put.body.version);
        assert.ok(got.body.refused.problems.some((p) => p.path === "environment.secrets_set"), JSON.stringify(got.body.refused));
        const health = await restarted.fetch("/healthz", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
        const healthText = await health.text();
        answers.push(healthText);
        assert.equal(JSON.parse(healthText).config.refused.version, put.body.version);
        const anonymous = await (await restarted.fetch("/healthz")).json();
        assert.equal(anonymous.config, undefined);

        // The next good version is taken up, and the refusal is over.
        const next = await config("PUT", { body: replacement });
        assert.equal(next.status, 200);
        assert.equal((await chat("fresh", restarted)).status, 200);
        const after = await config("GET", { on: restarted });
        assert.equal(after.body.version, next.body.version);
        assert.equal(after.body.refused, undefined);
      } finally {
        await restarted.dispose();
      }
    });
  });

  test("no answer of these tests holds a secret value", () => {
    assert.ok(answers.length > 30);
    for (const text of answers) {
      for (const [name, value] of Object.entries(TEST_SECRETS)) assert.ok(!text.includes(value), `${name} in ${text.slice(0, 200)}`);
      assert.ok(!text.includes(TEST_ADMIN_KEY) && !text.includes(TEST_CLIENT_KEY), text.slice(0, 200));
    }
  });
});
