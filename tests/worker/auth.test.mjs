// Client keys, permissions, CORS and header limits, through the Worker in workerd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { startEmulator } from "../emulator/emulator.mjs";
import { bundledConfig, sha256Hex, startLlmroute, TEST_ADMIN_KEY, TEST_CLIENT_KEY } from "../support/worker_harness.mjs";

const hello = { model: "chat", messages: [{ role: "user", content: "hi" }] };
const NARROW_KEY = "llmr_test_narrow_1d7c";

describe("client keys", () => {
  let emulator;
  let llmroute;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      config: {
        ...bundledConfig,
        cors: { allowed_origins: ["https://app.example.com"] },
        limits: { max_header_bytes: 2048 },
        keys: [
          { name: "test-client", sha256: sha256Hex(TEST_CLIENT_KEY) },
          { name: "test-admin", sha256: sha256Hex(TEST_ADMIN_KEY), admin: true },
          { name: "narrow", sha256: sha256Hex(NARROW_KEY), routes: ["smart"], models: ["openai/gpt-4o-mini"] },
        ],
      },
    });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });

  test("a missing or unknown key is a 401 that never echoes the key, and reaches no provider", async () => {
    emulator.reset();
    for (const [headers, code] of [
      [{}, "missing_api_key"],
      [{ authorization: "" }, "missing_api_key"],
      [{ authorization: "Basic dXNlcjpwYXNz" }, "missing_api_key"],
      [{ authorization: "Bearer llmr_not_a_real_key_5555" }, "invalid_api_key"],
      [{ "x-api-key": "llmr_not_a_real_key_5555" }, "invalid_api_key"],
    ]) {
      const res = await llmroute.fetch("/v1/chat/completions", {
        method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(hello),
      });
      assert.equal(res.status, 401, JSON.stringify(headers));
      const text = await res.text();
      assert.equal(JSON.parse(text).error.code, code);
      assert.ok(!text.includes("llmr_not_a_real_key_5555"));
    }
    assert.equal(emulator.requests.length, 0);
  });

  test("Authorization: Bearer and x-api-key both work", async () => {
    assert.equal((await llmroute.chat(hello)).status, 200);
    const res = await llmroute.fetch("/v1/chat/completions", {
      method: "POST", headers: { "content-type": "application/json", "x-api-key": TEST_CLIENT_KEY }, body: JSON.stringify(hello),
    });
    assert.equal(res.status, 200);
  });

  test("a key asking for a route or model it may not use gets a 403 naming it", async () => {
    emulator.reset();
    const auth = { authorization: `Bearer ${NARROW_KEY}` };
    let res = await llmroute.chat(hello, auth);
    assert.equal(res.status, 403);
    let body = await res.json();
    assert.equal(body.error.code, "route_not_allowed");
    assert.match(body.error.message, /may not use the route 'chat'/);
    res = await llmroute.chat({ model: "openai/gpt-4o", messages: hello.messages }, auth);
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "model_not_allowed");
    assert.equal(emulator.requests.length, 0);
    assert.equal((await llmroute.chat({ model: "smart", messages: hello.messages }, auth)).status, 200);
    assert.equal((await llmroute.chat({ model: "openai/gpt-4o-mini", messages: hello.messages }, auth)).status, 200);
  });

  test("health details are for admin keys only", async () => {
    const anonymous = await (await llmroute.fetch("/healthz")).json();
    assert.deepEqual(anonymous, { status: "ok" });
    const client = await (await llmroute.fetch("/healthz", { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } })).json();
    assert.deepEqual(client, { status: "ok" });
    const admin = await (await llmroute.fetch("/healthz", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json();
    assert.equal(admin.abi_version, 1);
  });

  test("CORS only for the listed origins", async () => {
    const preflight = (origin) => llmroute.fetch("/v1/chat/completions", {
      method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" },
    });
    const ok = await preflight("https://app.example.com");
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(ok.headers.get("access-control-allow-headers"), /authorization/);
    const refused = await preflight("https://evil.example.com");
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get("access-control-allow-origin"), null);

    const fromApp = await llmroute.chat(hello, { origin: "https://app.example.com" });
    assert.equal(fromApp.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(fromApp.headers.get("access-control-expose-headers"), /x-llmroute-cost-usd/);
    const fromElsewhere = await llmroute.chat(hello, { origin: "https://evil.example.com" });
    assert.equal(fromElsewhere.headers.get("access-control-allow-origin"), null);
  });

  test("headers past max_header_bytes get a 431", async () => {
    const res = await llmroute.chat(hello, { "x-padding": "p".repeat(3000) });
    assert.equal(res.status, 431);
    assert.equal((await res.json()).error.code, "headers_too_large");
  });
});

describe("the bundled config", () => {
  test("has no client keys, so a deployed Worker refuses everyone until keys are added", async () => {
    const emulator = await startEmulator();
    const llmroute = await startLlmroute({ gatewayUrl: emulator.url, config: { ...bundledConfig, keys: [] } });
    try {
      const res = await llmroute.chat(hello);
      assert.equal(res.status, 401);
      assert.match((await res.json()).error.message, /no client keys configured/);
      assert.equal((await llmroute.fetch("/healthz")).status, 200);
    } finally {
      await llmroute.dispose();
      await emulator.close();
    }
  });
});
