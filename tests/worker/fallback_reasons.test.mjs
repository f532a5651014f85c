// Fallback reasons, end to end: the emulator's faults make calls move past targets, the core says
// why in each usage record, the ledger counts them per hour, and GET /v1/usage answers the top ones
// with the endpoint's key scoping. Rejected requests add nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { startEmulator } from "../emulator/emulator.mjs";
import { sha256Hex, startLlmroute, TEST_ADMIN_KEY, TEST_CLIENT_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

const SECOND_KEY = "llmr_test_reasons_b_4d71";
const LIMITED_KEY = "llmr_test_reasons_limited_a9e0";

// Every request skips claude, then tries nano once, mini once, and gpt-4o-mini up to twice.
// Breakers off: nano fails seven times here, and an open circuit would turn its later faults into
// circuit_open skips (counted the same way; tests/unit/routing_test.cpp covers that reason).
const config = {
  version: 1,
  circuit_breaker: { enabled: false },
  routes: {
    chain: {
      targets: [
        "anthropic/claude-haiku-4-5",
        { model: "openai/gpt-4.1-nano", retry: { attempts: 1 }, timeout_ms: 400 },
        { model: "openai/gpt-4.1-mini", retry: { attempts: 1 } },
        { model: "openai/gpt-4o-mini", retry: { attempts: 2, backoff_initial_ms: 10, backoff_max_ms: 20 } },
      ],
    },
  },
  keys: [
    { name: "test-client", sha256: sha256Hex(TEST_CLIENT_KEY) },
    { name: "team-b", sha256: sha256Hex(SECOND_KEY) },
    { name: "limited", sha256: sha256Hex(LIMITED_KEY), requests_per_minute: 1 },
    { name: "test-admin", sha256: sha256Hex(TEST_ADMIN_KEY), admin: true },
  ],
};

const ask = { model: "chain", messages: [{ role: "user", content: "Why did you fall back?" }] };
const auth = (key) => ({ authorization: `Bearer ${key}` });

describe("fallback reasons in the ledger and the usage API", () => {
  let emulator;
  let llmroute;
  before(async () => {
    emulator = await startEmulator();
    // OpenAI's key only: claude is skipped for its missing secret on every request.
    llmroute = await startLlmroute({ gatewayUrl: emulator.url, config, secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY } });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });

  const asText = (reasons) => reasons.map((f) => `${f.reason} ${f.provider}/${f.model} x${f.count}`);

  test("each reason is counted exactly, per target, and only a key's own are shown to it", async () => {
    const answeredBy = [];
    const chat = async (fault, key = TEST_CLIENT_KEY) => {
      for (const f of [fault].flat()) emulator.addFault(f);
      const res = await llmroute.chat(ask, auth(key));
      answeredBy.push(res.status === 200 ? res.headers.get("x-llmroute-model") : res.status);
      await res.arrayBuffer();
    };
    const nano = { provider: "openai", model: "gpt-4.1-nano" };
    const mini = { provider: "openai", model: "gpt-4.1-mini" };
    const fourO = { provider: "openai", model: "gpt-4o-mini" };
    await chat([]);                                                         // nano answers: only the skip
    await chat({ ...nano, status: 503 });                                   // status_503, then mini
    await chat({ ...nano, status: 503 }, SECOND_KEY);                       // the same, for team-b
    await chat({ ...nano, status: 429 });                                   // status_429
    await chat({ ...nano, delayMs: 3000 });                                 // no answer in 400 ms: timeout
    await chat({ ...nano, kind: "malformed" });                             // a 200 cut in half
    await chat([{ ...nano, status: 500 }, { ...mini, status: 502 }]);       // two reasons, gpt-4o-mini answers
    // Everything fails: gpt-4o-mini's first 500 led to its retry, its second ended the call (an
    // error, not a fallback reason).
    await chat([{ ...nano, status: 500 }, { ...mini, status: 500 }, { ...fourO, status: 500, times: 2 }]);
    assert.deepEqual(answeredBy, ["gpt-4.1-nano", "gpt-4.1-mini", "gpt-4.1-mini", "gpt-4.1-mini", "gpt-4.1-mini",
      "gpt-4.1-mini", "gpt-4o-mini", 502]);

    // The limited key's second request is refused by its rate limit: counted as rejected, no reason.
    await chat([], LIMITED_KEY);
    await chat([], LIMITED_KEY);
    assert.deepEqual(answeredBy.slice(-2), ["gpt-4.1-nano", 429]);

    // Settlement is written after the answer (waitUntil): wait for every row.
    let all;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      all = await llmroute.usage(TEST_ADMIN_KEY, "?group_by=key");
      if (all.data.reduce((s, r) => s + r.requests + r.rejected, 0) >= 10) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual([all.data.reduce((s, r) => s + r.requests, 0), all.data.reduce((s, r) => s + r.rejected, 0)], [9, 1]);
    assert.deepEqual(asText(all.fallback_reasons), [
      "missing_secret_ANTHROPIC_API_KEY anthropic/claude-haiku-4-5 x9",  // every request that was routed
      "status_500 openai/gpt-4.1-nano x2",
      "status_503 openai/gpt-4.1-nano x2",
      "malformed_answer openai/gpt-4.1-nano x1",
      "status_429 openai/gpt-4.1-nano x1",
      "status_500 openai/gpt-4.1-mini x1",
      "status_500 openai/gpt-4o-mini x1",
      "status_502 openai/gpt-4.1-mini x1",
      "timeout openai/gpt-4.1-nano x1",
    ]);

    // A key sees its own calls' reasons; an admin sees one key's with &key=.
    const own = await llmroute.usage(SECOND_KEY);
    assert.deepEqual(asText(own.fallback_reasons), [
      "missing_secret_ANTHROPIC_API_KEY anthropic/claude-haiku-4-5 x1", "status_503 openai/gpt-4.1-nano x1"]);
    assert.deepEqual(asText((await llmroute.usage(TEST_ADMIN_KEY, "?key=team-b")).fallback_reasons), asText(own.fallback_reasons));
    assert.deepEqual(asText((await llmroute.usage(LIMITED_KEY)).fallback_reasons), [
      "missing_secret_ANTHROPIC_API_KEY anthropic/claude-haiku-4-5 x1"]);
    const client = await llmroute.usage(TEST_CLIENT_KEY);
    assert.equal(client.fallback_reasons.find((f) => f.reason.startsWith("missing_secret")).count, 7);
    assert.equal(client.fallback_reasons.find((f) => f.reason === "status_503").count, 1);

    // A range with no traffic has none; CSV answers the rows only.
    assert.deepEqual((await llmroute.usage(TEST_ADMIN_KEY, "?from=2020-01-01&to=2020-01-02")).fallback_reasons, []);
    const csv = await llmroute.fetch("/v1/usage?format=csv", { headers: auth(TEST_ADMIN_KEY) });
    assert.equal(csv.status, 200);
    assert.ok(!(await csv.text()).includes("missing_secret"));
  });
});
