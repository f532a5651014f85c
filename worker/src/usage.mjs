// GET /v1/usage: cost and usage aggregates from the ledger, as JSON or CSV.
//   ?from=&to=               ISO dates or epoch milliseconds (default: the last 7 days)
//   &group_by=key,route,provider,model   any of these (default: none)
//   &granularity=hour|day    (default: day)
//   &format=json|csv         (default: json)
//   &what_if=1               each row of a route also says what its usage would have cost on every
//                            target of that route (JSON only; implies group_by=route)
// A key sees its own usage; an admin key sees everyone's, or one key's with &key=<name>.
// JSON answers also hold fallback_reasons: the commonest reasons calls moved past a target in the
// range, [{reason, provider, model, count}], most frequent first.

import { errorResponse, formatUsd as usd, jsonResponse } from "./http.mjs";

const GROUPS = ["key", "route", "provider", "model"];
const DAY_MS = 24 * 3_600_000;
const TOP_FALLBACK_REASONS = 20;

export async function usageResponse(url, caller, ledger, whatIf) {
  const params = url.searchParams;
  const now = Date.now();
  const from_ms = parseTime(params.get("from"), now - 7 * DAY_MS);
  const to_ms = parseTime(params.get("to"), now + 1);
  if (from_ms === null || to_ms === null) return errorResponse(400, "from and to must be ISO 8601 dates or epoch milliseconds", { param: "from", code: "invalid_value" });
  if (to_ms <= from_ms) return errorResponse(400, "to must be after from", { param: "to", code: "invalid_value" });
  const group_by = (params.get("group_by") ?? "").split(",").map((g) => g.trim()).filter(Boolean);
  const unknown = group_by.find((g) => !GROUPS.includes(g));
  if (unknown !== undefined) return errorResponse(400, `group_by may hold ${GROUPS.join(", ")}; not '${unknown}'`, { param: "group_by", code: "invalid_value" });
  const what_if = ["1", "true"].includes(params.get("what_if") ?? "");
  if (what_if && !group_by.includes("route")) group_by.push("route");
  const granularity = params.get("granularity") ?? "day";
  if (granularity !== "hour" && granularity !== "day") return errorResponse(400, "granularity must be hour or day", { param: "granularity", code: "invalid_value" });
  const format = params.get("format") ?? "json";
  if (format !== "json" && format !== "csv") return errorResponse(400, "format must be json or csv", { param: "format", code: "invalid_value" });
  if (what_if && format === "csv") return errorResponse(400, "what_if is answered in JSON only", { param: "what_if", code: "invalid_value" });

  let key = caller.name;
  if (caller.admin) key = params.get("key");  // null: everyone
  else if (params.has("key") && params.get("key") !== caller.name) {
    return errorResponse(403, "a key may read only its own usage", { type: "permission_error", code: "usage_not_allowed" });
  }

  const [aggregates, fallback_reasons] = await Promise.all([
    ledger.usage({ from_ms, to_ms, group_by: [...new Set(group_by)], granularity, key: key ?? null }),
    format === "json" ? ledger.fallbackReasons({ from_ms, to_ms, key: key ?? null, limit: TOP_FALLBACK_REASONS }) : [],
  ]);
  const rows = aggregates.map((row) => ({
    bucket: new Date(row.bucket_start).toISOString(),
    ...Object.fromEntries(GROUPS.filter((g) => g in row).map((g) => [g, row[g]])),
    requests: row.requests, errors: row.errors, rejected: row.rejected,
    prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens, cached_tokens: row.cached_tokens,
    cache_write_tokens: row.cache_write_tokens, reasoning_tokens: row.reasoning_tokens,
    cost_micro_usd: row.cost_micro_usd, cost_usd: usd(row.cost_micro_usd), unpriced_requests: row.unpriced_requests,
    estimated_requests: row.estimated_requests, estimated_cost_micro_usd: row.estimated_cost_micro_usd, fallbacks: row.fallbacks,
    avg_latency_ms: row.requests > 0 ? Math.round(row.latency_ms_total / row.requests) : 0,
  }));
  const total_micro = rows.reduce((sum, r) => sum + r.cost_micro_usd, 0);
  if (what_if) {
    for (const row of rows) row.what_if = whatIfRow(row, whatIf);
  }
  if (format === "csv") {
    const columns = rows.length > 0 ? Object.keys(rows[0]) : ["bucket", ...group_by, "requests", "cost_usd"];
    const lines = [columns.join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(","))];
    return new Response(lines.join("\n") + "\n", { headers: { "content-type": "text/csv; charset=utf-8" } });
  }
  return jsonResponse(200, {
    object: "usage", from: new Date(from_ms).toISOString(), to: new Date(to_ms).toISOString(), granularity, group_by,
    key: key ?? null, total_cost_micro_usd: total_micro, total_cost_usd: usd(total_micro), data: rows,
    fallback_reasons,
  });
}

// What a row's usage would have cost on each target of its route; null for rows of no route (direct
// provider/model requests) or of a route no longer configured.
function whatIfRow(row, whatIf) {
  if (!row.route) return null;
  const answered = row.requests - row.errors;
  const answer = whatIf({ route: row.route, requests: Math.max(1, answered), usage: {
    prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens, cached_prompt_tokens: row.cached_tokens,
    cache_write_prompt_tokens: row.cache_write_tokens, reasoning_tokens: row.reasoning_tokens } });
  if (answer.error) return null;
  return answer.candidates.map((c) => ({ target: c.target, cost_micro_usd: c.cost_micro_usd,
    cost_usd: c.cost_micro_usd === null ? null : usd(c.cost_micro_usd), cost_status: c.cost_status }));
}

function parseTime(text, fallback) {
  if (text === null || text === "") return fallback;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

function csvCell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
