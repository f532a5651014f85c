// Budgets, rate limits, the ledger and the usage API, through the Worker and its SQLite Durable
// Object in workerd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startEmulator } from "../emulator/emulator.mjs";
import { bundledConfig, sha256Hex, startLlmroute, TEST_ADMIN_KEY, TEST_CLIENT_KEY } from "../support/worker_harness.mjs";

const BUDGET_KEY = "llmr_test_budgeted_77a1";
const LIMITED_KEY = "llmr_test_limited_0b3e";
const TOKEN_KEY = "llmr_test_tokens_5c2d";
const hello = { model: "chat", messages: [{ role: "user", content: "hi" }], max_tokens: 50 };

// gpt-4o (the dearer target of "chat"): the worst case of `hello` reserves at its rates.
const config = {
  ...bundledConfig,
  keys: [
    { name: "test-client", sha256: sha256Hex(TEST_CLIENT_KEY) },
    { name: "test-admin", sha256: sha256Hex(TEST_ADMIN_KEY), admin: true },
    { name: "budgeted", sha256: sha256Hex(BUDGET_KEY), budgets: [{ usd: "0.01", window: "day" }, { usd: "1", window: "month" }] },
    { name: "limited", sha256: sha256Hex(LIMITED_KEY), requests_per_minute: 3 },
    { name: "tokens", sha256: sha256Hex(TOKEN_KEY), tokens_per_minute: 400 },
  ],
};

describe("budgets and the ledger", () => {
  let emulator;
  let llmroute;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({ gatewayUrl: emulator.url, config });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });

  test("200 concurrent requests never overshoot a budget", async () => {
    const auth = { authorization: `Bearer ${BUDGET_KEY}` };
    const answers = await Promise.all(Array.from({ length: 200 }, () => llmroute.chat(hello, auth)));
    const ok = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status === 402);
    assert.equal(ok.length + refused.length, 200);
    assert.ok(ok.length > 0 && refused.length > 0, `${ok.length} answered, ${refused.length} refused`);
    const body = await refused[0].json();
    assert.equal(body.error.code, "budget_exceeded");
    assert.match(body.error.message, /day budget of key:budgeted \(0\.010000 USD\)/);
    let spent = 0;
    for (const res of ok) spent += Math.round(Number(res.headers.get("x-llmroute-cost-usd")) * 1e6);
    assert.ok(spent <= 10_000, `spent ${spent} micro-dollars of a 10000 budget`);
    for (const res of refused.slice(1)) await res.arrayBuffer();

    // The ledger agrees, to the micro-dollar; refused requests are counted, not charged.
    const report = await llmroute.usage(BUDGET_KEY, "?group_by=key");
    assert.equal(report.total_cost_micro_usd, spent);
    assert.equal(report.data[0].requests, ok.length);
    assert.equal(report.data[0].rejected, refused.length);
    assert.ok(emulator.requests.length >= ok.length);
  });

  test("requests per minute: the fourth gets 429 with retry-after and x-ratelimit headers", async () => {
    const auth = { authorization: `Bearer ${LIMITED_KEY}` };
    const first = await llmroute.chat(hello, auth);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-ratelimit-limit-requests"), "3");
    assert.equal(first.headers.get("x-ratelimit-remaining-requests"), "2");
    await llmroute.chat(hello, auth);
    await llmroute.chat(hello, auth);
    const fourth = await llmroute.chat(hello, auth);
    assert.equal(fourth.status, 429);
    assert.ok(Number(fourth.headers.get("retry-after")) >= 1);
    assert.equal(fourth.headers.get("x-ratelimit-remaining-requests"), "0");
    assert.equal((await fourth.json()).error.code, "rate_limited");
  });

  test("tokens per minute: the estimate is held until the call settles to its real usage", async () => {
    const auth = { authorization: `Bearer ${TOKEN_KEY}` };
    const minute = () => Math.floor(Date.now() / 60_000);
    const startMinute = minute();

    const tooBig = await llmroute.chat({ ...hello, max_tokens: 1000 }, auth);
    assert.equal(tooBig.status, 429);
    assert.equal(tooBig.headers.get("retry-after"), null);  // waiting would not help
    const tooBigBody = await tooBig.json();
    assert.equal(tooBigBody.error.code, "request_too_large");
    assert.match(tooBigBody.error.message, /more than the key 'tokens' may use in a minute \(400\)/);

    const first = await llmroute.chat(hello, auth);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-ratelimit-limit-tokens"), "400");
    const estimate = 400 - Number(first.headers.get("x-ratelimit-remaining-tokens"));
    assert.ok(estimate > hello.max_tokens, `estimate ${estimate}`);  // the prompt as estimated, plus max_tokens
    const used = (await first.json()).usage;
    const real = used.prompt_tokens + used.completion_tokens;
    assert.ok(real < estimate);
    // Wait for each settlement (it writes the row the usage API reads).
    const settled = async (n) => {
      for (let i = 0; i < 100; i++) {
        if ((await llmroute.usage(TOKEN_KEY)).data.reduce((sum, r) => sum + r.requests, 0) >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await settled(1);

    // Exactly what is left once the first request counts its real tokens, not its estimate.
    const promptEstimate = estimate - hello.max_tokens;
    const second = await llmroute.chat({ ...hello, max_tokens: 400 - real - promptEstimate }, auth);
    assert.equal(second.status, 200, await second.clone().text());
    const secondUsed = (await second.json()).usage;
    await settled(2);
    if (minute() === startMinute) {
      // One token more than is left: refused, with the headers saying so.
      const left = 400 - real - (secondUsed.prompt_tokens + secondUsed.completion_tokens);
      const third = await llmroute.chat({ ...hello, max_tokens: left - promptEstimate + 1 }, auth);
      assert.equal(third.status, 429);
      assert.equal((await third.json()).error.code, "rate_limited");
      assert.equal(third.headers.get("x-ratelimit-remaining-tokens"), "0");
      assert.ok(Number(third.headers.get("retry-after")) >= 1);
    }
  });

  test("the usage API: JSON and CSV, grouped, own key only unless admin", async () => {
    await llmroute.chat(hello);
    await llmroute.chat({ ...hello, model: "smart" });
    const own = await llmroute.usage(TEST_CLIENT_KEY, "?group_by=route,model&granularity=hour");
    assert.equal(own.key, "test-client");
    assert.deepEqual(own.data.map((r) => [r.route, r.model]).sort(), [["chat", "gpt-4o-mini"], ["smart", "gpt-4o"]]);
    assert.ok(own.data.every((r) => r.requests === 1 && r.cost_micro_usd > 0 && r.cost_usd.startsWith("0.")));

    const all = await llmroute.usage(TEST_ADMIN_KEY, "?group_by=key");
    const keys = all.data.map((r) => r.key).sort();
    assert.ok(keys.includes("budgeted") && keys.includes("test-client") && keys.includes("limited"));
    assert.equal(all.total_cost_micro_usd, all.data.reduce((s, r) => s + r.cost_micro_usd, 0));

    const refused = await llmroute.fetch("/v1/usage?key=budgeted", { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } });
    assert.equal(refused.status, 403);
    const anonymous = await llmroute.fetch("/v1/usage");
    assert.equal(anonymous.status, 401);

    const csv = await llmroute.fetch("/v1/usage?group_by=key&format=csv", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.match(csv.headers.get("content-type"), /^text\/csv/);
    const lines = (await csv.text()).trim().split("\n");
    assert.equal(lines[0].split(",").slice(0, 3).join(","), "bucket,key,requests");
    assert.equal(lines.length, all.data.length + 1);

    // What-if: each route row priced on every target of its route; on the target that answered,
    // the same as what was charged (up to one micro-dollar a request: the what-if rounds once).
    const whatIf = await llmroute.usage(TEST_CLIENT_KEY, "?group_by=model&what_if=1");
    const chatRow = whatIf.data.find((r) => r.route === "chat");
    assert.ok(chatRow, JSON.stringify(whatIf.data));
    const targets = chatRow.what_if.map((c) => c.target);
    assert.equal(targets[0], "openai/gpt-4o-mini");
    assert.ok(targets.length >= 2, targets.join());
    const same = chatRow.what_if[0];
    assert.equal(same.cost_status, "measured");
    assert.ok(Math.abs(same.cost_micro_usd - chatRow.cost_micro_usd) <= chatRow.requests, `${same.cost_micro_usd} vs ${chatRow.cost_micro_usd}`);
    assert.ok(chatRow.what_if.every((c) => c.cost_micro_usd === null || c.cost_usd === (c.cost_micro_usd / 1e6).toFixed(6)));

    for (const query of ["?group_by=colour", "?granularity=week", "?from=yesterday", "?format=xml", "?from=2000&to=1000",
      "?what_if=1&format=csv"]) {
      const bad = await llmroute.fetch(`/v1/usage${query}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      assert.equal(bad.status, 400, query);
    }
  });

  test("bad requests are neither charged nor written as rows", async () => {
    const before = await llmroute.usage(TEST_ADMIN_KEY, "?group_by=key");
    for (const body of ["{bad", JSON.stringify({ model: "chat" }), JSON.stringify({ model: "nope", messages: [{ role: "user", content: "x" }] })]) {
      assert.equal((await llmroute.chat(body)).status >= 400, true);
    }
    const after = await llmroute.usage(TEST_ADMIN_KEY, "?group_by=key");
    assert.deepEqual(after.data, before.data);
    assert.equal(after.total_cost_micro_usd, before.total_cost_micro_usd);
  });
});

describe("the ledger survives a restart", () => {
  test("rows and budgets written before a restart are there after it", async () => {
    const persist = mkdtempSync(join(tmpdir(), "llmroute-ledger-"));
    const emulator = await startEmulator();
    try {
      let llmroute = await startLlmroute({ gatewayUrl: emulator.url, config, persist });
      assert.equal((await llmroute.chat(hello)).status, 200);
      assert.equal((await llmroute.chat(hello, { authorization: `Bearer ${BUDGET_KEY}` })).status, 200);
      const before = await llmroute.usage(TEST_ADMIN_KEY, "?group_by=key");
      await llmroute.dispose();

      llmroute = await startLlmroute({ gatewayUrl: emulator.url, config, persist });
      try {
        const after = await llmroute.usage(TEST_ADMIN_KEY, "?group_by=key");
        assert.deepEqual(after.data, before.data);
        assert.ok(after.total_cost_micro_usd > 0);
      } finally {
        await llmroute.dispose();
      }
    } finally {
      await emulator.close();
      rmSync(persist, { recursive: true, force: true });
    }
  });
});
