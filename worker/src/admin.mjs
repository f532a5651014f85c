// Admin-only read endpoints the dashboard needs beyond /v1/usage and /healthz. The caller has been
// checked to hold an admin key before any of these runs. No secret enters an answer: keys are named,
// never shown or hashed.
//   GET /v1/budgets          every budget of the config's keys and routes, in its current window:
//                            limit, spent, reserved, left (micro-dollars and USD strings)
//   GET /v1/latency?from=&to=  latency p50/p95 per provider from the ledger's raw rows (30 days kept)

import { errorResponse, formatUsd as usd, jsonResponse } from "./http.mjs";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The budgets of `config` (validated by the core) with what the ledger holds for their current windows. */
export async function budgetsResponse(config, ledger, now = Date.now()) {
  const budgets = [];
  for (const key of config.keys ?? []) {
    for (const b of key.budgets ?? []) budgets.push({ scope_type: "key", name: key.name, ...window(b, now) });
  }
  for (const [name, route] of Object.entries(config.routes ?? {})) {
    for (const b of route.budgets ?? []) budgets.push({ scope_type: "route", name, ...window(b, now) });
  }
  const spend = budgets.length === 0 ? [] : await ledger.budgetSpend(budgets.map((b) => ({
    scope: `${b.scope_type}:${b.name}`, window: b.window, window_start_ms: b.window_start_ms })));
  const data = budgets.map((b, i) => {
    const { spent, reserved } = spend[i];
    const left = Math.max(0, b.limit_micro_usd - spent - reserved);
    return {
      scope: `${b.scope_type}:${b.name}`, scope_type: b.scope_type, name: b.name, window: b.window,
      window_start: new Date(b.window_start_ms).toISOString(), window_end: new Date(b.window_end_ms).toISOString(),
      limit_micro_usd: b.limit_micro_usd, spent_micro_usd: spent, reserved_micro_usd: reserved, left_micro_usd: left,
      limit_usd: usd(b.limit_micro_usd), spent_usd: usd(spent), reserved_usd: usd(reserved), left_usd: usd(left),
    };
  });
  return jsonResponse(200, { object: "budgets", now: new Date(now).toISOString(), data });
}

export async function latencyResponse(url, ledger, now = Date.now()) {
  const from_ms = parseTime(url.searchParams.get("from"), now - 7 * DAY_MS);
  const to_ms = parseTime(url.searchParams.get("to"), now + 1);
  if (from_ms === null || to_ms === null) return errorResponse(400, "from and to must be ISO 8601 dates or epoch milliseconds", { param: "from", code: "invalid_value" });
  if (to_ms <= from_ms) return errorResponse(400, "to must be after from", { param: "to", code: "invalid_value" });
  const data = await ledger.latency({ from_ms, to_ms });
  return jsonResponse(200, { object: "latency", from: new Date(from_ms).toISOString(), to: new Date(to_ms).toISOString(), data });
}

// A budget's current window, as the core computes it (wasm/core/budget.cpp window_bounds): fixed UTC
// hours, days and calendar months.
function window(budget, now) {
  const limit_micro_usd = microUsd(budget.usd);
  const kind = budget.window ?? "day";
  let start;
  let end;
  if (kind === "hour") {
    start = Math.floor(now / HOUR_MS) * HOUR_MS;
    end = start + HOUR_MS;
  } else if (kind === "month") {
    const d = new Date(now);
    start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  } else {
    start = Math.floor(now / DAY_MS) * DAY_MS;
    end = start + DAY_MS;
  }
  return { window: kind, window_start_ms: start, window_end_ms: end, limit_micro_usd };
}

// "5.00" or 5 -> 5000000, exactly for up to six decimals.
function microUsd(value) {
  const text = String(value).trim();
  const match = /^(\d+)(?:\.(\d{0,6})\d*)?$/.exec(text);
  if (!match) return Math.round(Number(text) * 1e6);
  return Number(match[1]) * 1e6 + Number((match[2] ?? "").padEnd(6, "0"));
}

function parseTime(text, fallback) {
  if (text === null || text === "") return fallback;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
