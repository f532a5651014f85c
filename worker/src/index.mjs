// llmroute Worker: an OpenAI-compatible endpoint in front of Cloudflare AI Gateway. This file maps
// HTTP routes to the core; the decisions are made in the C++ core (wasm/), the I/O in drive.mjs.

import wasmModule from "../build/llmroute.wasm";
import bundledConfig from "../config/llmroute.config.json";
import { Core, CoreError } from "./core.mjs";
import { driveCall } from "./drive.mjs";
import { coreErrorResponse, errorResponse, jsonResponse } from "./http.mjs";

// Secrets the core may ask for by name. Only whether each is set crosses into the core, never a value.
const KNOWN_SECRETS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "CF_AIG_TOKEN"];

// One core instance per isolate, built at module scope (Workers refuse to compile Wasm later),
// rebuilt from the same compiled module if a trap ever poisons it.
let core = new Core(wasmModule);
let routerCache = null;  // { key, handle, info, error, core }

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/v1/chat/completions") {
        if (request.method !== "POST") return methodNotAllowed("POST");
        return await chatCompletions(request, env, ctx);
      }
      if (url.pathname === "/healthz") {
        if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET");
        return healthz(env);
      }
      return errorResponse(404, `no such endpoint: ${request.method} ${url.pathname}`, { code: "not_found" });
    } catch (err) {
      if (err instanceof CoreError) {
        console.error(JSON.stringify({ event: "llmroute.core_error", message: err.message }));
        if (core.poisoned) core = new Core(wasmModule);
        return errorResponse(500, "llmroute's core failed on this request; it has been reset", { type: "internal_error", code: "core_error" });
      }
      throw err;
    }
  },
};

async function chatCompletions(request, env, ctx) {
  const router = currentRouter(env);
  if (router.error) return coreErrorResponse(router.error);

  const contentType = request.headers.get("content-type");
  if (contentType !== null && !/^application\/json\s*(;|$)/i.test(contentType)) {
    return errorResponse(415, "send the request as JSON with Content-Type: application/json", { code: "unsupported_media_type" });
  }
  const limit = router.info.max_body_bytes;
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return tooLarge(declared, limit);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > limit) return tooLarge(body.length, limit);

  const outcome = await driveCall(core, router.handle, body, env, (record) => recordUsage(record, ctx));
  return outcome.error ? coreErrorResponse(outcome.error) : outcome.response;
}

function healthz(env) {
  const router = currentRouter(env);
  if (router.error) {
    return jsonResponse(503, { status: "config_error", problems: router.error.problems ?? [{ path: "", message: router.error.message }] });
  }
  return jsonResponse(200, { status: "ok", abi_version: core.exports.llmroute_abi_version() });
}

// The router for this env and config, created once per isolate (and again after a core reset).
function currentRouter(env) {
  const configText = env.LLMROUTE_CONFIG ?? null;
  const secretsSet = KNOWN_SECRETS.filter((name) => typeof env[name] === "string" && env[name] !== "");
  const key = JSON.stringify([env.AI_GATEWAY_BASE_URL ?? "", configText, secretsSet]);
  if (routerCache?.key === key && routerCache.core === core) return routerCache;

  let config = bundledConfig;
  if (configText !== null) {
    try {
      config = JSON.parse(configText);
    } catch {
      routerCache = { key, core, error: { message: "LLMROUTE_CONFIG is not valid JSON", type: "invalid_config", code: "invalid_config", http_status: 500 } };
      return routerCache;
    }
  }
  if (routerCache?.handle && routerCache.core === core) core.routerFree(routerCache.handle);
  const created = core.routerNew({
    config,
    environment: { gateway_base_url: env.AI_GATEWAY_BASE_URL ?? "", secrets_set: secretsSet },
  });
  routerCache = { key, core, ...created };
  if (created.error) console.error(JSON.stringify({ event: "llmroute.config_invalid", problems: created.error.problems }));
  return routerCache;
}

function recordUsage(record, ctx) {
  // The ledger (a Durable Object) comes with the accounting work; until then every routed request
  // leaves one structured log line, with no secret and no message content in it.
  console.log(JSON.stringify({ event: "llmroute.usage", ...record }));
}

function tooLarge(size, limit) {
  return errorResponse(413, `the request body is ${size} bytes; the limit (max_body_bytes) is ${limit}`, { code: "request_too_large" });
}

function methodNotAllowed(allow) {
  return errorResponse(405, `use ${allow} on this endpoint`, { code: "method_not_allowed", headers: { allow } });
}
