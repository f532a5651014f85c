// llmroute dashboard: reads GET /v1/usage, /v1/budgets, /v1/latency and /healthz with an admin key
// and draws them with uPlot (bundled, see worker/scripts/setup.sh). The key lives in this tab's
// sessionStorage only and goes out as an Authorization header, never in a URL.
"use strict";

(() => {
  const KEY_SLOT = "llmroute.admin_key";
  const HOUR_MS = 3_600_000;
  const DAY_MS = 24 * HOUR_MS;
  const RANGES = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS };
  const COLORS = ["#2f6fdf", "#e0761b", "#2a9d5b", "#b8408d", "#7b5cd6", "#c9a227", "#1e9bb0", "#d04545", "#6b7a8f", "#8c5a2b"];
  const $ = (id) => document.getElementById(id);
  let charts = [];

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, key) {
    let res;
    try {
      res = await fetch(path, { headers: { authorization: `Bearer ${key}` }, cache: "no-store" });
    } catch (err) {
      throw new ApiError(0, `could not reach llmroute (${err.message})`);
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      // not JSON: reported below by status
    }
    if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? `${path} answered ${res.status}`);
    return body;
  }

  function loginMessage(err) {
    if (err.status === 401) return "This key is not known to llmroute. Check it for typos: the dashboard needs an admin client key.";
    if (err.status === 403) return "This key is valid but not an admin key. Sign in with a key that has \"admin\": true in the routing config.";
    return `Could not sign in: ${err.message}`;
  }

  function showLogin(message) {
    sessionStorage.removeItem(KEY_SLOT);
    $("dashboard").hidden = true;
    $("controls").hidden = true;
    $("login").hidden = false;
    $("login-error").hidden = !message;
    $("login-error").textContent = message ?? "";
    $("admin-key").focus();
  }

  function showDashboard() {
    $("login").hidden = true;
    $("controls").hidden = false;
    $("dashboard").hidden = false;
  }

  // Integer micro-dollars as the usage API writes USD: 1234567 -> "1.234567".
  function usd(micro) {
    const sign = micro < 0 ? "-" : "";
    const abs = Math.abs(micro);
    return `${sign}${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, "0")}`;
  }
  const percent = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "–");

  function fillTable(id, rows, emptyText) {
    const body = $(id).querySelector("tbody");
    body.replaceChildren();
    const columns = $(id).querySelectorAll("thead th").length;
    if (rows.length === 0) {
      const tr = body.insertRow();
      const td = tr.insertCell();
      td.colSpan = columns;
      td.className = "none";
      td.textContent = emptyText;
      return;
    }
    for (const cells of rows) {
      const tr = body.insertRow();
      for (const cell of cells) {
        const td = tr.insertCell();
        if (cell instanceof Node) td.append(cell);
        else td.textContent = cell ?? "–";
      }
    }
  }

  function code(text) {
    const el = document.createElement("code");
    el.textContent = text;
    return el;
  }

  function sumBy(rows, field) {
    const out = new Map();
    for (const r of rows) {
      const name = r[field] === "" || r[field] == null ? "(none)" : r[field];
      const acc = out.get(name) ?? { requests: 0, errors: 0, fallbacks: 0, rejected: 0, cost_micro_usd: 0, latency_total: 0 };
      acc.requests += r.requests;
      acc.errors += r.errors;
      acc.fallbacks += r.fallbacks;
      acc.rejected += r.rejected;
      acc.cost_micro_usd += r.cost_micro_usd;
      acc.latency_total += r.avg_latency_ms * r.requests;
      out.set(name, acc);
    }
    return out;
  }

  // Buckets are UTC hours and days: the time axis is in UTC too, with half a bucket of room each side.
  function chart(el, opts, data, bucketSec) {
    const width = Math.max(320, el.clientWidth || 600);
    const xs = data[0];
    const x = { time: true, range: () => [xs[0] - bucketSec / 2, xs[xs.length - 1] + bucketSec / 2] };
    const plot = new uPlot({ width, height: 240, tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"), ...opts,
      scales: { x, ...opts.scales } }, data, el);
    charts.push(plot);
  }

  const bars = () => uPlot.paths.bars({ size: [0.7, 60] });

  function drawCharts(rows, buckets, bucketMs, group) {
    const xs = buckets.map((ms) => ms / 1000);
    const bucketSec = bucketMs / 1000;
    const index = new Map(buckets.map((ms, i) => [ms, i]));
    const at = (r) => index.get(Date.parse(r.bucket));

    // Spend, stacked by the chosen dimension: each series draws the running total, largest first.
    // Groups that spent nothing (failed calls answered by no provider, say) are left out of this chart.
    const spending = [...sumBy(rows, group).entries()].filter(([, a]) => a.cost_micro_usd > 0);
    const groups = spending.sort((a, b) => b[1].cost_micro_usd - a[1].cost_micro_usd).map(([name]) => name);
    const raw = groups.map(() => buckets.map(() => 0));
    for (const r of rows) {
      const g = groups.indexOf(r[group] === "" || r[group] == null ? "(none)" : r[group]);
      if (g >= 0) raw[g][at(r)] += r.cost_micro_usd / 1e6;
    }
    const stacked = raw.map((_, g) => buckets.map((__, b) => raw.slice(0, g + 1).reduce((s, series) => s + series[b], 0)));
    const order = groups.map((_, g) => g).reverse();
    chart($("chart-spend"), {
      series: [{}, ...order.map((g) => ({
        label: groups[g], stroke: COLORS[g % COLORS.length], fill: COLORS[g % COLORS.length], width: 0, paths: bars(), points: { show: false },
        value: (u, v, s, i) => (i == null ? "–" : raw[g][i].toFixed(6)),
      }))],
      axes: [{}, { values: (u, ticks) => ticks.map((t) => t.toFixed(4)), size: 70 }],
      scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    }, [xs, ...order.map((g) => stacked[g])], bucketSec);

    const requests = buckets.map(() => 0);
    const errors = buckets.map(() => 0);
    const fallbacks = buckets.map(() => 0);
    for (const r of rows) {
      requests[at(r)] += r.requests;
      errors[at(r)] += r.errors;
      fallbacks[at(r)] += r.fallbacks;
    }
    chart($("chart-requests"), {
      series: [{}, { label: "requests", stroke: COLORS[0], fill: "#2f6fdf99", width: 0, paths: bars(), points: { show: false } },
        { label: "errors", stroke: COLORS[7], fill: "#d04545cc", width: 0, paths: bars(), points: { show: false } }],
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    }, [xs, requests, errors], bucketSec);
    const rate = (part) => part.map((n, i) => (requests[i] > 0 ? (100 * n) / requests[i] : null));
    chart($("chart-rates"), {
      series: [{}, { label: "error rate %", stroke: COLORS[7], width: 2, points: { show: true } },
        { label: "fallback rate %", stroke: COLORS[1], width: 2, points: { show: true } }],
      scales: { y: { range: [0, 100] } },
    }, [xs, rate(errors), rate(fallbacks)], bucketSec);
  }

  function budgetCell(b) {
    const used = b.spent_micro_usd + b.reserved_micro_usd;
    const meter = document.createElement("meter");
    meter.min = 0;
    meter.max = b.limit_micro_usd;
    meter.high = b.limit_micro_usd * 0.8;
    meter.value = Math.min(used, b.limit_micro_usd);
    const span = document.createElement("span");
    const share = (100 * used) / b.limit_micro_usd;
    span.append(meter, ` ${used > 0 && share < 0.1 ? "<0.1%" : percent(used, b.limit_micro_usd)}`);
    return span;
  }

  async function load() {
    const key = sessionStorage.getItem(KEY_SLOT);
    if (!key) return showLogin();
    showDashboard();
    $("load-error").hidden = true;
    const span = RANGES[$("range").value] ?? RANGES["7d"];
    const chosen = $("granularity").value;
    const granularity = chosen === "auto" ? (span <= DAY_MS ? "hour" : "day") : chosen;
    const bucketMs = granularity === "hour" ? HOUR_MS : DAY_MS;
    const now = Date.now();
    const from = Math.floor((now - span) / bucketMs) * bucketMs;
    const to = now + 1;
    const group = $("group").value;
    const range = `from=${from}&to=${to}`;

    let usage;
    let budgets;
    let latency;
    let health;
    try {
      [usage, budgets, latency, health] = await Promise.all([
        api(`/v1/usage?${range}&granularity=${granularity}&group_by=key,route,provider,model`, key),
        api("/v1/budgets", key),
        api(`/v1/latency?${range}`, key),
        api("/healthz", key),
      ]);
    } catch (err) {
      if (err.status === 401 || err.status === 403) return showLogin(loginMessage(err));
      $("load-error").textContent = `Could not load the dashboard: ${err.message}`;
      $("load-error").hidden = false;
      return;
    }

    for (const c of charts) c.destroy();
    charts = [];
    const rows = usage.data;
    const total = (f) => rows.reduce((s, r) => s + r[f], 0);
    const requests = total("requests");
    $("total-spend").textContent = usage.total_cost_usd;
    $("total-requests").textContent = String(requests);
    $("error-rate").textContent = percent(total("errors"), requests);
    $("error-count").textContent = `${total("errors")} errors`;
    $("fallback-rate").textContent = percent(total("fallbacks"), requests);
    $("fallback-count").textContent = `${total("fallbacks")} calls took more than one attempt`;
    $("total-rejected").textContent = String(total("rejected"));
    $("range-note").textContent = `${new Date(from).toISOString().slice(0, 16).replace("T", " ")} to now (UTC), ${granularity} buckets`;
    $("group-name").textContent = group;

    const empty = rows.length === 0;
    $("empty").hidden = !empty;
    $("charts").hidden = empty;
    if (!empty) {
      const buckets = [];
      for (let t = from; t < to; t += bucketMs) buckets.push(t);
      drawCharts(rows, buckets, bucketMs, group);
    }

    const byKey = [...sumBy(rows, "key").entries()].sort((a, b) => b[1].cost_micro_usd - a[1].cost_micro_usd);
    fillTable("keys-table", byKey.map(([name, a]) => [name, String(a.requests), String(a.errors), String(a.fallbacks), usd(a.cost_micro_usd)]),
      "No key has sent a request in this range.");

    fillTable("reasons-table", usage.fallback_reasons.map((f) => [code(f.reason), f.provider, f.model, String(f.count)]),
      "No call moved past a target in this range: each was answered, or failed, at its first target.");

    fillTable("budgets-table", budgets.data.map((b) => [b.scope, b.window,
      `${usd(b.spent_micro_usd)} + ${usd(b.reserved_micro_usd)} / ${b.limit_usd}`, budgetCell(b)]),
    "No key or route has a budget in the routing config.");

    const avg = sumBy(rows.filter((r) => r.provider), "provider");
    const pct = new Map(latency.data.map((l) => [l.provider, l]));
    const providers = [...new Set([...avg.keys(), ...pct.keys()])].sort();
    fillTable("latency-table", providers.map((p) => {
      const a = avg.get(p);
      const l = pct.get(p);
      return [p, String(a?.requests ?? l?.requests ?? 0), a && a.requests > 0 ? String(Math.round(a.latency_total / a.requests)) : "–",
        l?.p50_ms == null ? "–" : String(l.p50_ms), l?.p95_ms == null ? "–" : String(l.p95_ms)];
    }), "No provider has answered in this range.");

    const estimated = total("estimated_requests");
    const unpriced = total("unpriced_requests");
    const estimatedMicro = total("estimated_cost_micro_usd");
    const totalMicro = usage.total_cost_micro_usd;
    fillTable("status-table", empty ? [] : [
      ["measured", String(Math.max(0, requests - total("errors") - estimated - unpriced)), usd(totalMicro - estimatedMicro), percent(totalMicro - estimatedMicro, totalMicro)],
      ["estimated", String(estimated), usd(estimatedMicro), percent(estimatedMicro, totalMicro)],
      ["absent (unpriced)", String(unpriced), "unknown", "–"],
      ["failed (no answer)", String(total("errors")), "–", "–"],
    ], "No request in this range.");

    const targets = health.targets ?? [];
    fillTable("health-table", targets.map((t) => {
      const state = document.createElement("span");
      state.className = `state state-${t.state}`;
      state.textContent = t.state;
      return [t.target, state, String(t.attempts), `${t.failure_rate_percent}%`, t.latency_ms == null ? "–" : `${t.latency_ms} ms`, t.last_error ?? "–"];
    }), "No target has been tried by this Worker isolate yet (health is kept per isolate).");
    document.body.dataset.loaded = String(Date.now());
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("admin-key");
    const key = input.value.trim();
    if (!key) return;
    try {
      await api("/v1/budgets", key);  // admin-only: proves the key is an admin key
    } catch (err) {
      showLogin(loginMessage(err));
      return;
    }
    input.value = "";
    sessionStorage.setItem(KEY_SLOT, key);
    await load();
  });
  $("logout").addEventListener("click", () => {
    for (const c of charts) c.destroy();
    charts = [];
    showLogin();
  });
  $("refresh").addEventListener("click", () => load());
  for (const id of ["range", "granularity", "group"]) $(id).addEventListener("change", () => load());
  load();
})();
