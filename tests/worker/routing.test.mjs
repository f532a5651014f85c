// Routing in the Worker against the emulator's faults: fallback on overload and gateway timeouts,
// circuit breakers shared by the isolate's requests (503 with retry-after and reasons, the last
// resort, /healthz), seeded load balancing, conditional rules on request metadata, hedging.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";

import { startEmulator } from "../emulator/emulator.mjs";
import { parseAttempts, startLlmroute, TEST_ADMIN_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

// Each test has targets of its own: circuits are per target and outlive a test.
const config = {
  version: 1,
  circuit_breaker: { failures: 2, window_ms: 60000, cooldown_ms: 30000 },
  limits: { max_upstream_body_bytes: 65536 },
  routes: {
    overloaded: { targets: [{ model: "anthropic/claude-haiku-4-5", retry: { attempts: 1 } }, "openai/gpt-4o-mini"] },
    slow_gateway: { targets: [{ model: "openai/gpt-4.1-nano", retry: { attempts: 1 } }, "openai/gpt-4o-mini"] },
    fragile: { targets: [{ model: "openai/gpt-4.1", retry: { attempts: 1 } }, { model: "openai/gpt-4.1-mini", retry: { attempts: 1 } }] },
    brittle: { targets: [{ model: "openai/gpt-4o-2024-08-06", retry: { attempts: 1 } }] },
    bloated: { targets: [{ model: "openai/gpt-4o-2024-11-20", retry: { attempts: 1 } }] },
    confused: { targets: [{ model: "openai/gpt-4o-2024-05-13", retry: { attempts: 1 } }] },
    backed: { targets: [{ model: "openai/o4-mini", retry: { attempts: 1 } }], last_resort: "openai/gpt-4o-mini" },
    lb: { strategy: "loadbalance", targets: [{ model: "openai/gpt-4o-mini", weight: 3 }, { model: "openai/gpt-4o", weight: 1 }] },
    smart: {
      strategy: "conditional",
      rules: [{ when: { metadata: { tier: "pro" } }, targets: ["openai/gpt-4o"] }],
      targets: ["openai/gpt-4o-mini"],
    },
    hedged: { hedge_after_ms: 150, targets: ["openai/gpt-4-turbo", "openai/gpt-4o-mini"] },
  },
};

const ask = (model) => ({ model, messages: [{ role: "user", content: "Which one?" }] });

describe("routing in the Worker", () => {
  let emulator;
  let llmroute;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      config,
      secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, ANTHROPIC_API_KEY: TEST_SECRETS.ANTHROPIC_API_KEY },
    });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  test("Anthropic's 529 overloaded falls back to the next target", async () => {
    emulator.addFault({ provider: "anthropic", status: 529 });
    const res = await llmroute.chat(ask("overloaded"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o-mini");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.outcome, a.status]), [
      ["anthropic/claude-haiku-4-5", "retryable_error", 529], ["openai/gpt-4o-mini", "ok", 200]]);
  });

  test("a 504 from the gateway falls back to the next target", async () => {
    emulator.addFault({ provider: "openai", model: "gpt-4.1-nano", status: 504 });
    const res = await llmroute.chat(ask("slow_gateway"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o-mini");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.status]), [
      ["openai/gpt-4.1-nano", 504], ["openai/gpt-4o-mini", 200]]);
  });

  test("repeated failures open the circuits: 503 with retry-after and each candidate's reason", async () => {
    emulator.addFault({ provider: "openai", model: "gpt-4.1", status: 500, times: Infinity });
    emulator.addFault({ provider: "openai", model: "gpt-4.1-mini", status: 502, times: Infinity });
    for (let i = 0; i < 2; i++) assert.equal((await llmroute.chat(ask("fragile"))).status, 502);
    assert.equal(emulator.requests.length, 4);

    const res = await llmroute.chat(ask("fragile"));
    assert.equal(res.status, 503);
    const retryAfter = Number(res.headers.get("retry-after"));
    assert.ok(retryAfter >= 29 && retryAfter <= 30, `retry-after ${retryAfter}`);
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.outcome, a.reason]), [
      ["openai/gpt-4.1", "skipped", "circuit_open"], ["openai/gpt-4.1-mini", "skipped", "circuit_open"]]);
    const { error } = await res.json();
    assert.equal(error.code, "circuit_open");
    assert.match(error.message, /openai\/gpt-4\.1: skipped circuit_open \(circuit open for \d+ s more\)/);
    assert.match(error.message, /openai\/gpt-4\.1-mini: skipped circuit_open/);
    assert.equal(emulator.requests.length, 4);  // nothing more reached the providers

    // An admin sees why in /healthz.
    const health = await (await llmroute.fetch("/healthz", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json();
    assert.deepEqual(health.circuit_breaker, { failures: 2, window_ms: 60000, cooldown_ms: 30000 });
    const fragile = health.targets.find((t) => t.target === "openai/gpt-4.1");
    assert.equal(fragile.state, "open");
    assert.equal(fragile.failures, 2);
    assert.equal(fragile.failure_rate_percent, 100);
    assert.equal(fragile.last_error, "status_500");
    assert.equal(health.targets.find((t) => t.target === "openai/gpt-4.1-mini").last_error, "status_502");
    const anonymous = await (await llmroute.fetch("/healthz")).json();
    assert.deepEqual(anonymous, { status: "ok" });
  });

  test("streams that break after their first bytes mark the target unhealthy and open its circuit", async () => {
    emulator.addFault({ provider: "openai", model: "gpt-4o-2024-08-06", kind: "truncate", afterEvents: 2, times: Infinity });
    for (let i = 0; i < 2; i++) {
      const res = await llmroute.chat({ ...ask("brittle"), stream: true });
      assert.equal(res.status, 200);  // the head went out before the stream broke
      const text = await res.text();
      assert.match(text, /"code":"upstream_disconnected"/);
    }
    const health = await (await llmroute.fetch("/healthz", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json();
    const brittle = health.targets.find((t) => t.target === "openai/gpt-4o-2024-08-06");
    assert.deepEqual([brittle.state, brittle.attempts, brittle.failures, brittle.last_error], ["open", 2, 2, "upstream_disconnected"]);

    const res = await llmroute.chat({ ...ask("brittle"), stream: true });
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "circuit_open");
    assert.equal(emulator.requests.length, 2);  // the open circuit kept the third away from the provider
  });

  test("a gigantic answer and an HTML page are contained: an error to the client, the target marked unhealthy", async () => {
    const health = async (target) => (await (await llmroute.fetch("/healthz", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json())
      .targets.find((t) => t.target === target);
    // 1 MiB of valid-looking JSON where the limit is 64 KiB.
    const huge = JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "a".repeat(1 << 20) } }] });
    emulator.addFault({ provider: "openai", model: "gpt-4o-2024-11-20", kind: "malformed", body: huge, times: Infinity });
    emulator.addFault({ provider: "openai", model: "gpt-4o-2024-05-13", kind: "wrong-content-type", times: Infinity });
    for (const [route, target, reason] of [["bloated", "openai/gpt-4o-2024-11-20", "answer_too_large"],
      ["confused", "openai/gpt-4o-2024-05-13", "malformed_answer"]]) {
      for (let i = 0; i < 2; i++) {
        const res = await llmroute.chat(ask(route));
        assert.equal(res.status, 502, route);
        const text = await res.text();
        assert.ok(text.length < 2048, `${route}: an error of ${text.length} bytes`);  // nothing of the answer relayed
        assert.equal(parseAttempts(res.headers.get("x-llmroute-attempts"))[0].reason, reason);
      }
      const state = await health(target);
      assert.deepEqual([state.state, state.failures, state.last_error], ["open", 2, reason], route);
    }
  });

  test("the route's last resort answers while every circuit is open", async () => {
    emulator.addFault({ provider: "openai", model: "o4-mini", status: 503, times: Infinity });
    for (let i = 0; i < 2; i++) assert.equal((await llmroute.chat(ask("backed"))).status, 502);
    const res = await llmroute.chat(ask("backed"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o-mini");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.outcome, a.reason]), [
      ["openai/o4-mini", "skipped", "circuit_open"], ["openai/gpt-4o-mini", "ok", undefined]]);
  });

  test("loadbalance draws from the seed: exact decisions per seed, weights 3:1", async () => {
    // The native core's decisions for seeds 0..39 (llmroute explain --seed N): the module must agree.
    const expected = [
      "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o",
      "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini",
      "gpt-4o-mini", "gpt-4o", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-4o",
      "gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-4o-mini", "gpt-4o", "gpt-4o", "gpt-4o-mini", "gpt-4o-mini",
      "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini"];
    const chosen = [];
    for (let seed = 0; seed < expected.length; seed++) {
      const res = await llmroute.chat(ask("lb"), { "x-llmroute-seed": String(seed) });
      assert.equal(res.status, 200);
      chosen.push(res.headers.get("x-llmroute-model"));
      await res.arrayBuffer();
    }
    assert.deepEqual(chosen, expected);
    assert.equal(chosen.filter((m) => m === "gpt-4o").length, 9);  // about a quarter
    const again = await llmroute.chat(ask("lb"), { "x-llmroute-seed": "3" });
    assert.equal(again.headers.get("x-llmroute-model"), "gpt-4o");
    assert.equal((await llmroute.chat(ask("lb"), { "x-llmroute-seed": "-1" })).status, 400);
  });

  test("conditional rules read request metadata headers", async () => {
    const model = async (headers) => (await llmroute.chat(ask("smart"), headers)).headers.get("x-llmroute-model");
    assert.equal(await model({}), "gpt-4o-mini");
    assert.equal(await model({ "x-llmroute-meta-tier": "pro" }), "gpt-4o");
    assert.equal(await model({ "cf-aig-metadata": JSON.stringify({ tier: "pro", team: "search" }) }), "gpt-4o");
    assert.equal(await model({ "cf-aig-metadata": JSON.stringify({ tier: "free" }) }), "gpt-4o-mini");
    const bad = await llmroute.chat(ask("smart"), { "cf-aig-metadata": "[1]" });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, "invalid_metadata");
  });

  test("hedging: a slow first target is raced by the next one, and the loser is cancelled", async () => {
    emulator.addFault({ provider: "openai", model: "gpt-4-turbo", delayMs: 5000 });
    const res = await llmroute.chat(ask("hedged"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o-mini");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.outcome, a.reason]), [
      ["openai/gpt-4-turbo", "cancelled", "hedge_lost"], ["openai/gpt-4o-mini", "ok", undefined]]);
    assert.deepEqual(emulator.requests.map((r) => r.json.model), ["gpt-4-turbo", "gpt-4o-mini"]);
  });
});

