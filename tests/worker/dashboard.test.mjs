// The dashboard, end to end in real headless Chromium (Debian's `chromium`, driven by playwright-core
// with executablePath: no browser is downloaded). The Worker runs in workerd against the emulator;
// the test logs in, sees the empty state, seeds traffic (two keys, fallbacks, errors), and checks
// that the panels show what the usage API returns, fallback reasons included. Screenshot:
// logs/dashboard.png.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import { startEmulator } from "../emulator/emulator.mjs";
import { bundledConfig, sha256Hex, startLlmroute, TEST_ADMIN_KEY, TEST_CLIENT_KEY } from "../support/worker_harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CHROMIUM = process.env.LLMROUTE_CHROMIUM ?? "/usr/bin/chromium";
const SECOND_KEY = "llmr_test_team_b_91c4e2";
const BROKEN = "openai/gpt-4.1";  // a direct model the emulator fails every time in this test

const config = {
  ...bundledConfig,
  routes: { ...bundledConfig.routes, chat: { ...bundledConfig.routes.chat, budgets: [{ usd: "10", window: "month" }] } },
  keys: [
    { name: "test-client", sha256: sha256Hex(TEST_CLIENT_KEY), budgets: [{ usd: "2.50", window: "day" }] },
    { name: "team-b", sha256: sha256Hex(SECOND_KEY), budgets: [{ usd: "1", window: "day" }, { usd: "20", window: "month" }] },
    { name: "test-admin", sha256: sha256Hex(TEST_ADMIN_KEY), admin: true },
  ],
};

const requireFromWorker = createRequire(`${root}worker/package.json`);

describe("dashboard in headless Chromium", () => {
  let emulator;
  let llmroute;
  let browser;
  let page;
  const pageErrors = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the dashboard test drives Debian's chromium. Install it with ` +
        "`apt-get install chromium` (worker/scripts/setup.sh does), or point LLMROUTE_CHROMIUM at a Chromium binary.");
    }
    if (!existsSync(`${root}worker/assets/dashboard/vendor/uPlot.iife.min.js`)) {
      throw new Error("worker/assets/dashboard/vendor/ has no uPlot: run worker/scripts/setup.sh (it copies it from worker/node_modules/uplot)");
    }
    const { chromium } = requireFromWorker("playwright-core");
    emulator = await startEmulator();
    llmroute = await startLlmroute({ gatewayUrl: emulator.url, config });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on("pageerror", (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on("console", (msg) => {
      // The wrong and non-admin keys of the login test are refused with 401 and 403 on purpose.
      if (msg.type() === "error" && !/status of 40[13] /.test(msg.text())) pageErrors.push(`console: ${msg.text()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await llmroute?.dispose();
    await emulator?.close();
  });

  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const text = (selector) => page.locator(selector).innerText();
  // The page sets body[data-loaded] each time it has drawn everything.
  const loaded = async (action) => {
    const before = await page.evaluate(() => document.body.dataset.loaded ?? "");
    await action();
    await page.waitForFunction((prev) => (document.body.dataset.loaded ?? "") !== prev, before, { timeout: 15_000 });
  };

  test("the static page needs no key, and the data endpoints it reads are admin-only", async () => {
    const html = await llmroute.fetch("/dashboard");
    assert.equal(html.status, 200);
    assert.match(html.headers.get("content-type"), /text\/html/);
    assert.match(html.headers.get("content-security-policy"), /default-src 'self'/);
    for (const path of ["/v1/budgets", "/v1/latency"]) {
      assert.equal((await llmroute.fetch(path)).status, 401, path);
      const client = await llmroute.fetch(path, { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } });
      assert.equal(client.status, 403, path);
      assert.equal((await client.json()).error.code, "admin_only");
    }
    const backwards = await llmroute.fetch("/v1/latency?from=2026-11-02&to=2026-11-01", { headers: admin });
    assert.equal(backwards.status, 400);
    assert.equal((await llmroute.fetch("/v1/budgets", { method: "POST", headers: admin })).status, 405);
    assert.equal((await llmroute.fetch("/dashboard/no-such-file.js")).status, 404);
    // The budgets answer names keys, never their hashes.
    const budgets = await (await llmroute.fetch("/v1/budgets", { headers: admin })).text();
    for (const key of config.keys) assert.ok(!budgets.includes(key.sha256));
  });

  test("a wrong key and a non-admin key get a clear message", async () => {
    await page.goto(`${llmroute.url}/dashboard`);
    assert.ok(await page.locator("#login").isVisible());
    await page.fill("#admin-key", "llmr_not_a_key");
    await page.click("#login-form button[type=submit]");
    await page.locator("#login-error").waitFor({ state: "visible" });
    assert.match(await text("#login-error"), /not known to llmroute/);
    await page.fill("#admin-key", TEST_CLIENT_KEY);
    await page.click("#login-form button[type=submit]");
    await page.waitForFunction(() => /not an admin key/.test(document.getElementById("login-error").textContent));
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  test("an empty ledger shows the empty state, not a broken chart", async () => {
    await loaded(async () => {
      await page.fill("#admin-key", TEST_ADMIN_KEY);
      await page.click("#login-form button[type=submit]");
    });
    assert.ok(await page.locator("#empty").isVisible());
    assert.equal(await page.locator("#charts").isVisible(), false);
    assert.equal(await text("#total-spend"), "0.000000");
    assert.equal(await text("#total-requests"), "0");
    assert.match(await text("#reasons-table tbody"), /No call moved past a target in this range/);
    // The key stays in this tab's session, never in the URL.
    assert.equal(await page.evaluate(() => sessionStorage.getItem("llmroute.admin_key")), TEST_ADMIN_KEY);
    assert.ok(!page.url().includes(TEST_ADMIN_KEY));
  });

  test("after seeded traffic the panels show the usage API's figures", async () => {
    const hello = { model: "chat", messages: [{ role: "user", content: "Hello, dashboard" }], max_tokens: 40 };
    const second = { authorization: `Bearer ${SECOND_KEY}` };
    const seeded = [];
    for (let i = 0; i < 3; i++) seeded.push(await llmroute.chat(hello));
    for (let i = 0; i < 2; i++) seeded.push(await llmroute.chat({ ...hello, model: "smart" }, second));
    // Two fallbacks: gpt-4o-mini fails both its attempts, gpt-4o answers.
    for (let i = 0; i < 2; i++) {
      emulator.addFault({ provider: "openai", model: "gpt-4o-mini", status: 503, times: 2 });
      const res = await llmroute.chat(hello, i === 0 ? {} : second);
      assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o");
      seeded.push(res);
    }
    // Two errors: a direct model that fails every attempt.
    emulator.addFault({ provider: "openai", model: "gpt-4.1", status: 500, times: Infinity });
    for (let i = 0; i < 2; i++) seeded.push(await llmroute.chat({ ...hello, model: BROKEN }, second));
    const statuses = [];
    for (const res of seeded) {
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 502, 502]);

    // Settlement is written after the answer (waitUntil): wait for all nine rows.
    let report;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      report = await llmroute.usage(TEST_ADMIN_KEY, "?group_by=key");
      if (report.data.reduce((s, r) => s + r.requests, 0) >= seeded.length) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const requests = report.data.reduce((s, r) => s + r.requests, 0);
    assert.equal(requests, 9);
    assert.ok(report.total_cost_micro_usd > 0);

    await loaded(() => page.click("#refresh"));
    assert.equal(await page.locator("#empty").isVisible(), false);
    assert.equal(await text("#total-spend"), report.total_cost_usd);
    assert.equal(await text("#total-requests"), "9");
    assert.equal(await text("#error-rate"), "22.2%");       // 2 of 9
    // The ledger counts a call as a fallback when it took more than one attempt: the two fallbacks,
    // and the two failed calls, which retried their one target.
    const fallbacks = report.data.reduce((s, r) => s + r.fallbacks, 0);
    assert.equal(fallbacks, 4);
    assert.equal(await text("#fallback-rate"), "44.4%");    // 4 of 9
    assert.equal(await text("#error-count"), "2 errors");

    // Why: gpt-4o-mini's two 503s in each fallback, and the broken model's first 500 in each failed
    // call (its second ended the call: an error, not a reason to move on). The table is the API's.
    const reasons = report.fallback_reasons.map((f) => [f.reason, f.provider, f.model, String(f.count)]);
    assert.deepEqual(reasons, [["status_503", "openai", "gpt-4o-mini", "4"], ["status_500", "openai", "gpt-4.1", "2"]]);
    const reasonRows = await page.locator("#reasons-table tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText)));
    assert.deepEqual(reasonRows, reasons);

    // Each key's row: requests, errors, fallbacks and spend as the usage API has them.
    for (const row of report.data) {
      const cells = await page.locator("#keys-table tbody tr", { hasText: row.key }).first().locator("td").allInnerTexts();
      assert.deepEqual(cells, [row.key, String(row.requests), String(row.errors), String(row.fallbacks), row.cost_usd]);
    }
    const teamB = report.data.find((r) => r.key === "team-b");
    assert.deepEqual([teamB.requests, teamB.errors, teamB.fallbacks], [5, 2, 3]);

    // Budgets: every configured budget, with what the ledger holds against it.
    const budgets = await (await llmroute.fetch("/v1/budgets", { headers: admin })).json();
    assert.deepEqual(budgets.data.map((b) => `${b.scope}/${b.window}`),
      ["key:test-client/day", "key:team-b/day", "key:team-b/month", "route:chat/month"]);
    const teamBDay = budgets.data.find((b) => b.scope === "key:team-b" && b.window === "day");
    assert.equal(teamBDay.spent_micro_usd, teamB.cost_micro_usd);
    assert.equal(teamBDay.reserved_micro_usd, 0);
    assert.equal(await page.locator("#budgets-table tbody tr").count(), 4);
    const budgetRow = await page.locator("#budgets-table tbody tr", { hasText: "key:team-b" }).first().locator("td").allInnerTexts();
    assert.equal(budgetRow[1], "day");
    assert.equal(budgetRow[2], `${teamBDay.spent_usd} + 0.000000 / 1.000000`);

    // Spend chart: one series per provider, drawn by uPlot on a canvas.
    assert.equal(await page.locator("#chart-spend canvas").count(), 1);
    assert.ok((await text("#chart-spend .u-legend")).includes("openai"));
    assert.equal(await page.locator("#chart-requests canvas").count(), 1);
    assert.equal(await page.locator("#chart-rates canvas").count(), 1);

    // Latency: openai's p50/p95 from GET /v1/latency.
    const latency = await (await llmroute.fetch("/v1/latency", { headers: admin })).json();
    const openai = latency.data.find((l) => l.provider === "openai");
    assert.equal(openai.requests, 7);  // the two failed calls were answered by no provider
    const latencyRow = await page.locator("#latency-table tbody tr", { hasText: "openai" }).first().locator("td").allInnerTexts();
    assert.deepEqual([latencyRow[0], latencyRow[1], latencyRow[3], latencyRow[4]], ["openai", "7", String(openai.p50_ms), String(openai.p95_ms)]);
    assert.ok(openai.p50_ms <= openai.p95_ms);

    // Target health: the broken model's last error, as /healthz tells an admin.
    const healthRow = await page.locator("#health-table tbody tr", { hasText: BROKEN }).first().locator("td").allInnerTexts();
    assert.equal(healthRow[0], BROKEN);
    assert.equal(healthRow[3], "100%");
    assert.equal(healthRow[5], "status_500");

    // Cost status: the money is all measured here (the emulator reports usage).
    const status = await page.locator("#status-table tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText)));
    assert.deepEqual(status, [
      ["measured", "7", report.total_cost_usd, "100.0%"],
      ["estimated", "0", "0.000000", "0.0%"],
      ["absent (unpriced)", "0", "unknown", "–"],
      ["failed (no answer)", "2", "–", "–"],
    ]);

    // Another grouping redraws the spend chart by key.
    await loaded(() => page.selectOption("#group", "key"));
    const legend = await text("#chart-spend .u-legend");
    assert.ok(legend.includes("team-b") && legend.includes("test-client"), legend);
    await loaded(() => page.selectOption("#group", "provider"));

    assert.deepEqual(pageErrors, []);
    mkdirSync(`${root}logs`, { recursive: true });
    await page.screenshot({ path: `${root}logs/dashboard.png`, fullPage: true });
  });

  test("log out forgets the key", async () => {
    await page.click("#logout");
    assert.ok(await page.locator("#login").isVisible());
    assert.equal(await page.evaluate(() => sessionStorage.getItem("llmroute.admin_key")), null);
  });
});
