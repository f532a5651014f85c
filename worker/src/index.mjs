// llmroute Worker: an OpenAI-compatible endpoint in front of Cloudflare AI Gateway. This file maps
// HTTP routes to the core; the decisions are made in the C++ core (wasm/), the I/O in drive.mjs.

import wasmModule from "../build/llmroute.wasm";
import { acquireRouter, configResponse, configStatus, releaseRouter } from "./config.mjs";
import { Core, CoreError } from "./core.mjs";
import { driveCall } from "./drive.mjs";
import { SettleQueue } from "./settles.mjs";
import { coreErrorResponse, errorResponse, jsonResponse, readJsonBody } from "./http.mjs";
import { usageResponse } from "./usage.mjs";
import { budgetsResponse, latencyResponse } from "./admin.mjs";

export { Ledger } from "./ledger.mjs";


// One core instance per isolate, built at module scope (Workers refuse to compile Wasm later),
// rebuilt from the same compiled module if a trap ever poisons it.
let core = new Core(wasmModule);
// Usage records waiting to be written to the ledger together (settles.mjs).
const settles = new SettleQueue();

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    let router = null;
    try {
      router = await acquireRouter(core, env, () => ledger(env));
      const preflight = request.method === "OPTIONS" ? corsPreflight(request, router) : null;
      const response = preflight ?? (await route(request, url, env, ctx, router));
      return withCors(response, request, router);
    } catch (err) {
      if (err instanceof CoreError) {
        console.error(JSON.stringify({ event: "llmroute.core_error", message: err.message }));
        if (core.poisoned) core = new Core(wasmModule);
        return errorResponse(500, "llmroute's core failed on this request; it has been reset", { type: "internal_error", code: "core_error" });
      }
      throw err;
    } finally {
      if (router) releaseRouter(router);
    }
  },
};

async function route(request, url, env, ctx, router) {
  if (url.pathname === "/v1/chat/completions") {
    if (request.method !== "POST") return methodNotAllowed("POST");
    return chatCompletions(request, env, ctx, router);
  }
  if (url.pathname === "/v1/usage") {
    if (request.method !== "GET") return methodNotAllowed("GET");
    if (router.error) return coreErrorResponse(router.error);
    const caller = core.authenticate(router.handle, presentedKey(request));
    if (caller.error) return coreErrorResponse(caller.error);
    // What-if prices come from the core, with the catalog and config this router holds.
    const whatIf = (question) => core.query(router.handle, { query: "what_if", ...question });
    const book = ledger(env);
    await settles.flush(book);  // this isolate's own requests count before they are read
    return usageResponse(url, caller.key, book, whatIf);
  }
  if (url.pathname === "/v1/budgets" || url.pathname === "/v1/latency") {
    if (request.method !== "GET") return methodNotAllowed("GET");
    if (router.error) return coreErrorResponse(router.error);
    const admin = adminCaller(request, router);
    if (admin.refused) return admin.refused;
    const book = ledger(env);
    await settles.flush(book);
    return url.pathname === "/v1/budgets" ? budgetsResponse(router.config, book) : latencyResponse(url, book);
  }
  if (url.pathname === "/v1/config") {
    if (!["GET", "PUT", "DELETE"].includes(request.method)) return methodNotAllowed("GET, PUT, DELETE");
    if (router.error) return coreErrorResponse(router.error);
    const admin = adminCaller(request, router);
    if (admin.refused) return admin.refused;
    return configResponse(request, env, core, router, ledger(env), admin.key);
  }
  if (url.pathname === "/dashboard" || url.pathname.startsWith("/dashboard/")) {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET");
    return dashboardAsset(request, env);
  }
  if (url.pathname === "/healthz") {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET");
    return healthz(request, router);
  }
  return errorResponse(404, `no such endpoint: ${request.method} ${url.pathname}`, { code: "not_found" });
}

async function chatCompletions(request, env, ctx, router) {
  if (router.error) return coreErrorResponse(router.error);
  const refused = checkHeaders(request, router.info);
  if (refused) return refused;

  const read = await readJsonBody(request, router.info.max_body_bytes);
  if (read.refused) return read.refused;

  const meta = { api_key: presentedKey(request), ...routingMeta(request) };
  if (meta.error) return errorResponse(400, meta.error, { code: "invalid_metadata" });
  const book = ledger(env);
  const outcome = await driveCall(core, router.handle, meta, read.body, env, {
    recordUsage: (record) => recordUsage(book, record, ctx),
    reserve: (reservation) => settles.reserve(book, reservation),
    waitUntil: (promise) => ctx.waitUntil(promise),
    secretNames: router.info.secret_names,
  });
  return outcome.error ? coreErrorResponse(outcome.error) : outcome.response;
}

// Liveness for anyone; the config's problems when it is invalid (the operator needs them and no key
// can be checked without a valid config).
function healthz(request, router) {
  if (router.error) {
    return jsonResponse(503, { status: "config_error", problems: router.error.problems ?? [{ path: "", message: router.error.message }] });
  }
  const body = { status: "ok" };
  const key = presentedKey(request);
  if (key !== "" && core.authenticate(router.handle, key).key?.admin) {
    // For operators: the config in force (and any version refused), each target's circuit, recent
    // failure rate, latency and last error class.
    body.abi_version = core.exports.llmroute_abi_version();
    body.config = configStatus(router);
    const health = core.routerHealth(router.handle, Date.now());
    if (!health.error) Object.assign(body, health);
  }
  return jsonResponse(200, body);
}

// The dashboard's static files (worker/dashboard/, Workers static assets). They hold no data and no
// secret: the page asks for the admin key and sends it only to the JSON endpoints. Served with a
// strict content security policy (everything from this origin, nothing inline).
async function dashboardAsset(request, env) {
  if (!env.ASSETS) return errorResponse(404, "the dashboard's assets are not deployed with this Worker", { code: "not_found" });
  const asset = await env.ASSETS.fetch(request);
  if (asset.status === 404) return errorResponse(404, `no such dashboard file: ${new URL(request.url).pathname}`, { code: "not_found" });
  const out = new Response(asset.body, asset);
  out.headers.set("content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  out.headers.set("x-content-type-options", "nosniff");
  out.headers.set("referrer-policy", "no-referrer");
  out.headers.set("cache-control", "no-cache");
  return out;
}

// {key: {name, admin}} when the request carries an admin key; else {refused}: the 401 (no or unknown
// key) or 403 to answer.
function adminCaller(request, router) {
  const caller = core.authenticate(router.handle, presentedKey(request));
  if (caller.error) return { refused: coreErrorResponse(caller.error) };
  if (!caller.key?.admin) return { refused: errorResponse(403, "this endpoint needs an admin key", { type: "permission_error", code: "admin_only" }) };
  return caller;
}

// What conditional routes may look at besides the body: x-llmroute-meta-<name> headers and AI
// Gateway's cf-aig-metadata (a flat JSON object), and an x-llmroute-seed that fixes the call's
// random draws (same seed, config and request => same routing decisions). {error} when malformed.
function routingMeta(request) {
  const out = {};
  const metadata = {};
  const gateway = request.headers.get("cf-aig-metadata");
  if (gateway !== null) {
    let parsed;
    try {
      parsed = JSON.parse(gateway);
    } catch {
      return { error: "cf-aig-metadata must be a JSON object" };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { error: "cf-aig-metadata must be a JSON object" };
    Object.assign(metadata, parsed);
  }
  for (const [name, value] of request.headers) {
    if (name.startsWith("x-llmroute-meta-") && name.length > "x-llmroute-meta-".length) metadata[name.slice("x-llmroute-meta-".length)] = value;
  }
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  const seed = request.headers.get("x-llmroute-seed");
  if (seed !== null) {
    if (!/^\d{1,15}$/.test(seed)) return { error: "x-llmroute-seed must be a whole number of at most 15 digits" };
    out.seed = Number(seed);
  }
  return out;
}

/** The client key as presented: Authorization: Bearer <key>, or x-api-key (Anthropic-style clients). */
function presentedKey(request) {
  const auth = request.headers.get("authorization");
  if (auth !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return match ? match[1].trim() : "";
  }
  return (request.headers.get("x-api-key") ?? "").trim();
}

function checkHeaders(request, info) {
  let size = 0;
  for (const [name, value] of request.headers) size += name.length + value.length + 4;
  if (size > info.max_header_bytes) {
    return errorResponse(431, `the request headers are ${size} bytes; the limit (max_header_bytes) is ${info.max_header_bytes}`, { code: "headers_too_large" });
  }
  return null;
}

// CORS only for the origins the config lists; none by default.
function allowedOrigin(request, router) {
  const origin = request.headers.get("origin");
  return origin !== null && router.info?.cors_origins.includes(origin) ? origin : null;
}

function corsPreflight(request, router) {
  const origin = allowedOrigin(request, router);
  if (origin === null) return errorResponse(403, "this origin may not call llmroute from a browser", { type: "permission_error", code: "cors_origin_not_allowed" });
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "authorization, content-type, x-api-key, x-llmroute-seed, cf-aig-metadata",
      "access-control-max-age": "600",
    },
  });
}

function withCors(response, request, router) {
  const origin = allowedOrigin(request, router);
  if (origin === null) return response;
  const out = new Response(response.body, response);
  out.headers.set("access-control-allow-origin", origin);
  out.headers.set("access-control-expose-headers", "x-llmroute-provider, x-llmroute-model, x-llmroute-route, x-llmroute-attempts, x-llmroute-cost-usd, x-llmroute-cost-status, retry-after");
  out.headers.append("vary", "origin");
  return out;
}

// Every routed request leaves a ledger row (and settles its reservation), written with others that
// finish about the same time, and one structured log line with no secret and no message content.
function recordUsage(book, record, ctx) {
  const recordJson = JSON.stringify(record);  // one serialisation for the log line and the ledger
  console.log(`{"event":"llmroute.usage",${recordJson.slice(1)}`);
  const write = settles.add(book, recordJson);
  if (write) ctx.waitUntil(write);
}

// The one ledger of this deployment.
function ledger(env) {
  return env.LEDGER.get(env.LEDGER.idFromName("ledger"));
}

function methodNotAllowed(allow) {
  return errorResponse(405, `use ${allow} on this endpoint`, { code: "method_not_allowed", headers: { allow } });
}
