// The ledger: one SQLite-backed Durable Object holding budgets, rate-limit counters, every routed
// request's row and hourly aggregates. One instance for the whole deployment, so a reservation is
// atomic across every isolate: a method runs to completion before the next one starts, and all its
// SQL runs in one implicit transaction. The core decides what to reserve; this only keeps counts.

import { DurableObject } from "cloudflare:workers";

import { formatUsd as usd } from "./http.mjs";

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const RAW_RETENTION_MS = 30 * 24 * HOUR_MS;  // raw rows are kept 30 days; hourly aggregates forever
const RESERVATION_TTL_MS = 15 * MINUTE_MS;   // a reservation never settled (a crashed isolate) is released after this
const PRUNE_EVERY = 500;                     // settlements between two clean-ups
// Outcomes of requests refused before any provider was called: counted as rejected, never as rows.
const REJECTED = new Set(["budget_exceeded", "rate_limited", "request_too_large", "ledger_unavailable"]);
const CONFIG_VERSIONS_KEPT = 20;             // stored routing configs kept (the newest is the one in force)

export class Ledger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS budget_spend (
        scope TEXT NOT NULL, window TEXT NOT NULL, window_start INTEGER NOT NULL,
        spent INTEGER NOT NULL DEFAULT 0, reserved INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (scope, window, window_start));
      CREATE TABLE IF NOT EXISTS reservations (
        id TEXT PRIMARY KEY, amount INTEGER NOT NULL, checks TEXT NOT NULL, created_ms INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS rate_counts (
        key TEXT NOT NULL, minute_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, minute_start));
      CREATE TABLE IF NOT EXISTS requests (
        time_ms INTEGER NOT NULL, key TEXT, route TEXT, provider TEXT, model TEXT, status INTEGER, outcome TEXT,
        attempts INTEGER, prompt_tokens INTEGER, completion_tokens INTEGER, cached_tokens INTEGER,
        cache_write_tokens INTEGER, reasoning_tokens INTEGER, cost_micro_usd INTEGER, cost_status TEXT,
        rate_set TEXT, price_version TEXT, latency_ms INTEGER);
      CREATE INDEX IF NOT EXISTS requests_time ON requests (time_ms);
      CREATE TABLE IF NOT EXISTS hourly (
        hour_start INTEGER NOT NULL, key TEXT NOT NULL, route TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
        cached_tokens INTEGER NOT NULL DEFAULT 0, cost_micro_usd INTEGER NOT NULL DEFAULT 0,
        unpriced INTEGER NOT NULL DEFAULT 0, latency_ms INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (hour_start, key, route, provider, model));
      CREATE TABLE IF NOT EXISTS hourly_fallback_reasons (
        hour_start INTEGER NOT NULL, key TEXT NOT NULL, route TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
        reason TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (hour_start, key, route, provider, model, reason));
      CREATE TABLE IF NOT EXISTS config_versions (
        version INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT, stored_ms INTEGER NOT NULL, by_key TEXT NOT NULL);`);
    // Columns added after the first release: a ledger kept from then gains them, empty.
    this.#addColumns("rate_counts", { tokens: "INTEGER NOT NULL DEFAULT 0" });
    this.#addColumns("reservations", { key: "TEXT", minute_start: "INTEGER", tokens: "INTEGER NOT NULL DEFAULT 0" });
    this.#addColumns("hourly", { estimated: "INTEGER NOT NULL DEFAULT 0", estimated_cost_micro_usd: "INTEGER NOT NULL DEFAULT 0",
      fallbacks: "INTEGER NOT NULL DEFAULT 0", cache_write_tokens: "INTEGER NOT NULL DEFAULT 0",
      reasoning_tokens: "INTEGER NOT NULL DEFAULT 0" });
    this.settled = 0;
  }

  /**
   * Reserves `amount_micro_usd` against every check, and counts the request (and its estimated
   * tokens) against the key's per-minute limits: all or nothing.
   * {reservation_id, rate} or {refused: {http_status, code, message, retry_after_ms, rate}}, where
   * rate is {requests?: {limit, remaining, reset_ms}, tokens?: {...}} for the x-ratelimit-* headers.
   */
  reserve({ key, amount_micro_usd: amount, checks, requests_per_minute: rpm = 0, tokens_per_minute: tpm = 0,
    estimated_tokens: tokens = 0, now_ms: now, settle = "" }) {
    // Records the isolate had waiting (worker/src/settles.mjs) count before this request is judged.
    if (settle !== "") this.settleAll(settle);
    this.#releaseExpired(now);
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const reset_ms = minute + MINUTE_MS - now;
    const counted = rpm > 0 || tpm > 0
      ? this.sql.exec("SELECT count, tokens FROM rate_counts WHERE key = ? AND minute_start = ?", key, minute).toArray()[0]
      : undefined;
    const used = { requests: counted?.count ?? 0, tokens: counted?.tokens ?? 0 };
    const rate = {};
    if (rpm > 0) rate.requests = { limit: rpm, remaining: rpm - used.requests - 1, reset_ms };
    if (tpm > 0) rate.tokens = { limit: tpm, remaining: tpm - used.tokens - tokens, reset_ms };
    const limited = (message) => ({ refused: { http_status: 429, code: "rate_limited", retry_after_ms: reset_ms, message,
      rate: withRemaining(rate, 0) } });
    if (rpm > 0 && used.requests >= rpm) {
      return limited(`the key '${key}' may send ${rpm} requests per minute; try again in ${Math.ceil(reset_ms / 1000)} s`);
    }
    if (tpm > 0 && tokens > tpm) {
      // No wait would help: say so, and give no retry-after.
      return { refused: { http_status: 429, code: "request_too_large", rate: withRemaining(rate, 0),
        message: `this request may use up to ${tokens} tokens (prompt as estimated, plus max_tokens), more than the ` +
          `key '${key}' may use in a minute (${tpm}); lower max_tokens or shorten the prompt` } };
    }
    if (tpm > 0 && used.tokens + tokens > tpm) {
      return limited(`the key '${key}' may use ${tpm} tokens per minute; ${used.tokens} are used or reserved this minute ` +
        `and this request may use up to ${tokens}; try again in ${Math.ceil(reset_ms / 1000)} s`);
    }
    for (const c of checks) {
      const row = this.sql.exec("SELECT spent, reserved FROM budget_spend WHERE scope = ? AND window = ? AND window_start = ?",
        c.scope, c.window, c.window_start_ms).toArray()[0] ?? { spent: 0, reserved: 0 };
      if (row.spent + row.reserved + amount > c.limit_micro_usd) {
        return { refused: { http_status: 402, code: "budget_exceeded", retry_after_ms: c.window_end_ms - now,
          message: `the ${c.window} budget of ${c.scope} (${usd(c.limit_micro_usd)} USD) would be exceeded: ` +
            `${usd(row.spent)} USD spent and ${usd(row.reserved)} USD reserved, and this request may cost up to ${usd(amount)} USD` } };
      }
    }
    const id = crypto.randomUUID();
    for (const c of checks) {
      this.sql.exec(`INSERT INTO budget_spend (scope, window, window_start, reserved) VALUES (?, ?, ?, ?)
        ON CONFLICT (scope, window, window_start) DO UPDATE SET reserved = reserved + excluded.reserved`,
        c.scope, c.window, c.window_start_ms, amount);
    }
    const counted_tokens = tpm > 0 ? tokens : 0;
    this.sql.exec("INSERT INTO reservations (id, amount, checks, created_ms, key, minute_start, tokens) VALUES (?, ?, ?, ?, ?, ?, ?)",
      id, amount, JSON.stringify(checks), now, key, minute, counted_tokens);
    if (rpm > 0 || tpm > 0) {
      this.sql.exec(`INSERT INTO rate_counts (key, minute_start, count, tokens) VALUES (?, ?, 1, ?)
        ON CONFLICT (key, minute_start) DO UPDATE SET count = count + 1, tokens = tokens + excluded.tokens`, key, minute, counted_tokens);
    }
    return { reservation_id: id, rate };
  }

  /** Settles finished requests, the JSON text of [{now_ms, record}] (when each finished), in one transaction. */
  settleAll(batchJson) {
    for (const { record, now_ms } of JSON.parse(batchJson)) this.#settle(record, now_ms);
  }

  // A finished request: its reservation becomes its real cost; its row and aggregates are written.
  #settle(record, now) {
    if (record.reservation_id) {
      const reservation = this.sql.exec("SELECT amount, checks, key, minute_start, tokens FROM reservations WHERE id = ?",
        record.reservation_id).toArray()[0];
      if (reservation) {
        for (const c of JSON.parse(reservation.checks)) {
          this.sql.exec(`UPDATE budget_spend SET reserved = MAX(0, reserved - ?), spent = spent + ?
            WHERE scope = ? AND window = ? AND window_start = ?`, reservation.amount, record.cost_micro_usd, c.scope, c.window, c.window_start_ms);
        }
        if (reservation.tokens > 0) {
          // The minute the request was counted in now holds its real tokens, not the estimate.
          this.sql.exec("UPDATE rate_counts SET tokens = MAX(0, tokens - ? + ?) WHERE key = ? AND minute_start = ?",
            reservation.tokens, (record.prompt_tokens ?? 0) + (record.completion_tokens ?? 0), reservation.key, reservation.minute_start);
        }
        this.sql.exec("DELETE FROM reservations WHERE id = ?", record.reservation_id);
      }
    }
    const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
    const rejected = REJECTED.has(record.outcome);
    if (!rejected) {
      this.sql.exec(`INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        now, record.key, record.route, record.provider, record.model, record.status, record.outcome, record.attempts,
        record.prompt_tokens, record.completion_tokens, record.cached_prompt_tokens, record.cache_write_prompt_tokens,
        record.reasoning_tokens, record.cost_micro_usd, record.cost_status, record.rate_set, record.price_version, record.latency_ms);
    }
    const error = record.status >= 400 && !rejected ? 1 : 0;
    const estimated = record.cost_status === "estimated";
    this.sql.exec(`INSERT INTO hourly (hour_start, key, route, provider, model, requests, errors, rejected, prompt_tokens,
        completion_tokens, cached_tokens, cost_micro_usd, unpriced, latency_ms, estimated, estimated_cost_micro_usd, fallbacks,
        cache_write_tokens, reasoning_tokens)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (hour_start, key, route, provider, model) DO UPDATE SET
        requests = requests + excluded.requests, errors = errors + excluded.errors, rejected = rejected + excluded.rejected,
        prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens, cost_micro_usd = cost_micro_usd + excluded.cost_micro_usd,
        unpriced = unpriced + excluded.unpriced, latency_ms = latency_ms + excluded.latency_ms,
        estimated = estimated + excluded.estimated, estimated_cost_micro_usd = estimated_cost_micro_usd + excluded.estimated_cost_micro_usd,
        fallbacks = fallbacks + excluded.fallbacks, cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens`,
      hour, record.key ?? "", record.route ?? "", record.provider ?? "", record.model ?? "", rejected ? 0 : 1, error, rejected ? 1 : 0,
      record.prompt_tokens, record.completion_tokens, record.cached_prompt_tokens, record.cost_micro_usd,
      record.cost_status === "absent" ? 1 : 0, record.latency_ms, estimated ? 1 : 0, estimated ? record.cost_micro_usd : 0,
      !rejected && record.attempts > 1 ? 1 : 0, record.cache_write_prompt_tokens ?? 0, record.reasoning_tokens ?? 0);
    // Why the call moved past targets: provider and model are those of the target moved past.
    for (const f of rejected ? [] : record.fallback_reasons ?? []) {
      this.sql.exec(`INSERT INTO hourly_fallback_reasons (hour_start, key, route, provider, model, reason, count)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (hour_start, key, route, provider, model, reason) DO UPDATE SET count = count + excluded.count`,
        hour, record.key ?? "", record.route ?? "", f.provider, f.model, f.reason, f.count);
    }
    if (++this.settled % PRUNE_EVERY === 0) this.sql.exec("DELETE FROM requests WHERE time_ms < ?", now - RAW_RETENTION_MS);
  }

  /**
   * Aggregates between `from_ms` and `to_ms` (hour buckets), grouped by any of key, route,
   * provider, model, per hour or day; `key` limits the rows to one key.
   */
  usage({ from_ms, to_ms, group_by, granularity, key }) {
    const bucketMs = granularity === "day" ? 24 * HOUR_MS : HOUR_MS;
    const columns = group_by.map((c) => `, ${c}`).join("");  // validated by the caller against a fixed list
    const { where, args } = hoursOfKey({ from_ms, to_ms, key });
    return this.sql.exec(`SELECT (hour_start / ${bucketMs}) * ${bucketMs} AS bucket_start${columns},
        SUM(requests) AS requests, SUM(errors) AS errors, SUM(rejected) AS rejected,
        SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens, SUM(cached_tokens) AS cached_tokens,
        SUM(cost_micro_usd) AS cost_micro_usd, SUM(unpriced) AS unpriced_requests, SUM(latency_ms) AS latency_ms_total,
        SUM(cache_write_tokens) AS cache_write_tokens, SUM(reasoning_tokens) AS reasoning_tokens,
        SUM(estimated) AS estimated_requests, SUM(estimated_cost_micro_usd) AS estimated_cost_micro_usd, SUM(fallbacks) AS fallbacks
      FROM hourly WHERE ${where}
      GROUP BY bucket_start${columns} ORDER BY bucket_start${columns}`, ...args).toArray();
  }

  /**
   * The `limit` commonest reasons calls moved past a target between `from_ms` and `to_ms` (hour
   * buckets), over every route: [{reason, provider, model, count}], most frequent first; `key`
   * limits them to one key's calls.
   */
  fallbackReasons({ from_ms, to_ms, key, limit }) {
    const { where, args } = hoursOfKey({ from_ms, to_ms, key });
    return this.sql.exec(`SELECT reason, provider, model, SUM(count) AS count
      FROM hourly_fallback_reasons WHERE ${where}
      GROUP BY reason, provider, model ORDER BY count DESC, reason, provider, model LIMIT ?`, ...args, limit).toArray();
  }

  /** What a budget scope has spent and reserved in its current windows (for tests and dashboards). */
  spend(scope) {
    return this.sql.exec("SELECT window, window_start, spent, reserved FROM budget_spend WHERE scope = ? ORDER BY window_start", scope).toArray();
  }

  /**
   * Spent and reserved micro-dollars of each {scope, window, window_start_ms} asked about (a budget's
   * current window), in one call: [{scope, window, window_start_ms, spent, reserved}].
   */
  budgetSpend(windows) {
    return windows.map(({ scope, window, window_start_ms }) => {
      const row = this.sql.exec("SELECT spent, reserved FROM budget_spend WHERE scope = ? AND window = ? AND window_start = ?",
        scope, window, window_start_ms).toArray()[0];
      return { scope, window, window_start_ms, spent: row?.spent ?? 0, reserved: row?.reserved ?? 0 };
    });
  }

  /**
   * Latency percentiles (nearest rank) per provider over the raw rows between `from_ms` and `to_ms`
   * (raw rows are kept 30 days): [{provider, requests, p50_ms, p95_ms, max_ms}]. Rows of requests
   * that reached no provider are left out.
   */
  latency({ from_ms, to_ms }) {
    return this.sql.exec(`WITH ranked AS (
        SELECT provider, latency_ms, ROW_NUMBER() OVER (PARTITION BY provider ORDER BY latency_ms) AS rank,
          COUNT(*) OVER (PARTITION BY provider) AS n
        FROM requests WHERE time_ms >= ? AND time_ms < ? AND provider IS NOT NULL AND provider != '' AND latency_ms IS NOT NULL)
      SELECT provider, MAX(n) AS requests,
        MAX(CASE WHEN rank = (n * 50 + 99) / 100 THEN latency_ms END) AS p50_ms,
        MAX(CASE WHEN rank = (n * 95 + 99) / 100 THEN latency_ms END) AS p95_ms,
        MAX(latency_ms) AS max_ms
      FROM ranked GROUP BY provider ORDER BY provider`, from_ms, to_ms).toArray();
  }

  /**
   * The routing config in force, for an isolate that runs `known_version`: {version, source, stored_ms,
   * by_key} (version 0 and source "deployed" when none was ever stored), plus `text` when the version
   * differs from `known_version`. One cheap call when nothing changed. Source "deployed" means the
   * config deployed with the Worker (text null).
   */
  currentConfig(known_version) {
    const row = this.sql.exec("SELECT version, stored_ms, by_key, text IS NULL AS deployed FROM config_versions ORDER BY version DESC LIMIT 1")
      .toArray()[0];
    if (!row) return { version: 0, source: "deployed", stored_ms: null, by_key: null };
    const out = { version: row.version, source: row.deployed ? "deployed" : "stored", stored_ms: row.stored_ms, by_key: row.by_key };
    if (row.version !== known_version && !row.deployed) {
      out.text = this.sql.exec("SELECT text FROM config_versions WHERE version = ?", row.version).one().text;
    }
    return out;
  }

  /**
   * Records a new routing config in force (`text`, already validated by the caller), or a return to
   * the deployed one (`text` null), by the admin key named `by_key`. Keeps the newest
   * CONFIG_VERSIONS_KEPT. Returns {version, source, stored_ms, by_key}.
   */
  storeConfig({ text, by_key, now_ms }) {
    const { version } = this.sql.exec("INSERT INTO config_versions (text, stored_ms, by_key) VALUES (?, ?, ?) RETURNING version",
      text, now_ms, by_key).one();
    this.sql.exec("DELETE FROM config_versions WHERE version <= ?", version - CONFIG_VERSIONS_KEPT);
    return { version, source: text === null ? "deployed" : "stored", stored_ms: now_ms, by_key };
  }

  #addColumns(table, columns) {
    const have = new Set(this.sql.exec(`PRAGMA table_info(${table})`).toArray().map((c) => c.name));
    for (const [name, type] of Object.entries(columns)) {
      if (!have.has(name)) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
    }
  }

  #releaseExpired(now) {
    const stale = this.sql.exec("SELECT id, amount, checks FROM reservations WHERE created_ms < ?", now - RESERVATION_TTL_MS).toArray();
    for (const r of stale) {
      for (const c of JSON.parse(r.checks)) {
        this.sql.exec("UPDATE budget_spend SET reserved = MAX(0, reserved - ?) WHERE scope = ? AND window = ? AND window_start = ?",
          r.amount, c.scope, c.window, c.window_start_ms);
      }
      this.sql.exec("DELETE FROM reservations WHERE id = ?", r.id);
    }
  }
}

// The WHERE clause of an aggregate table's hours between from_ms and to_ms, of one key unless key is null.
function hoursOfKey({ from_ms, to_ms, key }) {
  return key === null
    ? { where: "hour_start >= ? AND hour_start < ?", args: [from_ms, to_ms] }
    : { where: "hour_start >= ? AND hour_start < ? AND key = ?", args: [from_ms, to_ms, key] };
}

// The same limits, with nothing left: what a refused request's headers say.
function withRemaining(rate, remaining) {
  return Object.fromEntries(Object.entries(rate).map(([kind, r]) => [kind, { ...r, remaining }]));
}
