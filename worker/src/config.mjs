// The routing config this isolate runs, and its replacement at run time without a redeploy.
//
// The config in force is the newest version recorded in the ledger Durable Object (a stored config,
// or a return to the deployed one); when none was ever recorded, the deployed config
// (env.LLMROUTE_CONFIG, else the bundled file). Each isolate remembers the version it runs and asks
// the ledger whether it changed at most every LLMROUTE_CONFIG_REFRESH_MS (default 5000): one small
// call, with the text only when it did. A version that fails to build here (say the catalog changed
// with a redeploy) is refused with one log line, and the isolate keeps its last good router.
//   PUT /v1/config     validate a complete config with the core exactly as at start-up, store it, run it
//   GET /v1/config     the config in force: source, version, who stored it and when
//   DELETE /v1/config  back to the deployed config, recorded as a version so every isolate follows
// All three are for admin keys; the caller checks that.

import bundledConfig from "../config/llmroute.config.json";
import priceCatalog from "../config/prices.json";
import { redactSecrets } from "./drive.mjs";
import { coreErrorResponse, errorResponse, jsonResponse, readJsonBody } from "./http.mjs";

const DEFAULT_REFRESH_MS = 5000;
const decoder = new TextDecoder();

// What the ledger last said is in force ({version, source, stored_ms, by_key, text}), and when.
// version null: not known yet (never asked, or the ledger could not be reached).
let inForce = { version: null, source: "deployed", stored_ms: null, by_key: null, text: null };
let checkedMs = -Infinity;
let checking = null;  // the check under way, awaited by every request that finds the last one too old
// The router requests use: {key, core, handle, info, config, source, version, stored_ms, by_key,
// leases, retired}, or {key, core, error} when the deployed config itself is invalid.
let active = null;
// The last recorded version this isolate could not build: {key, version, message, problems}.
let refused = null;

/**
 * The router for this request, after the periodic version check. Hold it with a lease until the
 * request is answered and give it back with releaseRouter: a router replaced meanwhile is freed only
 * when its last request is done. (A call needs only the lease until llmroute_call_new: the core's
 * calls keep their router alive, see llmroute.h.) `ledgerOf()` makes a ledger stub, only when a
 * check is due: most requests need none.
 */
export async function acquireRouter(core, env, ledgerOf) {
  if (Date.now() - checkedMs >= refreshMs(env)) {
    checking ??= checkVersion(ledgerOf()).finally(() => { checking = null; });
    await checking;
  }
  const router = routerInForce(core, env);
  router.leases += 1;
  return router;
}

export function releaseRouter(router) {
  router.leases -= 1;
  if (router.retired && router.leases === 0) freeRouter(router);
}

/** For an admin's /healthz and GET /v1/config: where the running config came from, and any refused version. */
export function configStatus(router) {
  const status = { source: router.source, version: router.version, stored_ms: router.stored_ms, by_key: router.by_key };
  // A refusal matters while the refused version is the newest; any later one ends it.
  if (refused?.version === inForce.version) status.refused = { version: refused.version, message: refused.message, problems: refused.problems };
  return status;
}

/** GET/PUT/DELETE /v1/config for `caller` ({name, admin}, an admin key), with `router` in force. */
export async function configResponse(request, env, core, router, ledger, caller) {
  if (request.method === "GET") {
    // The config holds key hashes and secret names only; scrubbed anyway, as every answer is.
    const text = JSON.stringify({ object: "config", ...configStatus(router), config: router.config });
    return new Response(redactSecrets(text, env, router.info.secret_names), { headers: { "content-type": "application/json" } });
  }
  if (request.method === "PUT") return putConfig(request, env, core, router, ledger, caller);
  return restoreDeployedConfig(env, core, ledger, caller);
}

/** The routing config's core router for `env`, built exactly as at start-up: {handle, info, config} or {error}. */
function buildRouter(core, env, config) {
  const created = core.routerNew({
    config,
    catalog: priceCatalog,
    environment: { gateway_base_url: env.AI_GATEWAY_BASE_URL ?? "", secrets_set: secretsSet(env), ...awsCredentials(env) },
  });
  return created.error ? created : { ...created, config };
}

async function putConfig(request, env, core, router, ledger, caller) {
  const read = await readJsonBody(request, router.info.max_body_bytes);
  if (read.refused) return read.refused;
  let config;
  try {
    config = JSON.parse(decoder.decode(read.body));
  } catch {
    return errorResponse(400, "the config is not valid JSON", { code: "invalid_json" });
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    return errorResponse(400, "the config must be a JSON object: a complete routing config", { code: "invalid_config" });
  }
  const text = JSON.stringify(config);
  // A config names the secrets it needs; a value pasted into one would be stored and shown by GET.
  if (redactSecrets(text, env, router.info.secret_names) !== text) {
    return errorResponse(400, "the config holds the value of one of this Worker's secrets; name secrets, never paste their values",
      { code: "config_holds_secret" });
  }
  const built = buildRouter(core, env, config);
  if (built.error) return coreErrorResponse({ ...built.error, http_status: 400, type: "invalid_request_error", code: "invalid_config" });
  if (!hasAdminKey(config)) {
    core.routerFree(built.handle);
    return errorResponse(400, "the config has no admin key (\"admin\": true): once in force, no one could replace it again",
      { param: "keys", code: "no_admin_key" });
  }
  return storeAndRun(core, env, ledger, built, text, caller);
}

async function restoreDeployedConfig(env, core, ledger, caller) {
  const deployed = deployedConfig(env);
  const built = deployed.error ? deployed : buildRouter(core, env, deployed.config);
  if (built.error) {
    return coreErrorResponse({ ...built.error, http_status: 400, type: "invalid_request_error", code: "invalid_config",
      message: `the deployed config cannot be built, so the one in force stays: ${built.error.message}` });
  }
  return storeAndRun(core, env, ledger, built, null, caller);
}

// Records `built` (from `text`, or the deployed config when null) as the newest version, then runs it
// in this isolate at once; other isolates follow at their next version check.
async function storeAndRun(core, env, ledger, built, text, caller) {
  let stored;
  try {
    stored = await ledger.storeConfig({ text, by_key: caller.name, now_ms: Date.now() });
  } catch (err) {
    core.routerFree(built.handle);
    console.error(JSON.stringify({ event: "llmroute.ledger_error", message: String(err?.message ?? err) }));
    return errorResponse(503, "llmroute could not record the config; the one in force stays. Try again shortly",
      { type: "server_error", code: "ledger_unavailable" });
  }
  if (stored.version > (inForce.version ?? -1)) {
    inForce = { ...stored, text };
    checkedMs = Date.now();
  }
  const router = { ...built, ...stored, key: routerKey(env, stored), core, leases: 0, retired: false };
  if (stored.version === inForce.version) install(router);
  else freeRouter(router);  // a newer version was recorded meanwhile: that one is in force
  return jsonResponse(200, { object: "config", version: stored.version, active: stored.version === inForce.version,
    source: stored.source, stored_ms: stored.stored_ms, by_key: stored.by_key });
}

// Asks the ledger which version is in force; a newer one replaces `inForce` (with its text).
async function checkVersion(ledger) {
  try {
    const current = await ledger.currentConfig(inForce.version);
    if (current.version > (inForce.version ?? -1)) inForce = { ...current, text: current.text ?? null };
  } catch (err) {
    // Keep running what runs; ask again after the interval.
    console.error(JSON.stringify({ event: "llmroute.config_check_failed", message: String(err?.message ?? err) }));
  }
  checkedMs = Date.now();
}

// The router of the version in force, built once per isolate (and again after a core reset).
// The key of the router in force, kept while neither env (the same object for every request of an
// isolate) nor the version in force changes: building it stringifies the deployed config's text and
// walks every binding, too much to do on every request.
let keyInForce = { env: null, version: null, key: "" };

function routerInForce(core, env) {
  if (keyInForce.env !== env || keyInForce.version !== inForce) keyInForce = { env, version: inForce, key: routerKey(env, inForce) };
  const key = keyInForce.key;
  if (active?.key === key && active.core === core) {
    // The same deployed text recorded again (a second DELETE): nothing to rebuild, only to relabel.
    if (inForce.source === "deployed") Object.assign(active, storedFields(inForce));
    return active;
  }
  const usable = active?.handle !== undefined && active.core === core;
  if (refused?.key === key && usable) return active;

  if (inForce.source === "stored") {
    const built = buildRouter(core, env, JSON.parse(inForce.text));
    if (!built.error) return install({ ...built, ...storedFields(inForce), key, core, leases: 0, retired: false });
    if (refused?.version !== inForce.version) {
      console.error(JSON.stringify({ event: "llmroute.config_refused", version: inForce.version, problems: built.error.problems }));
    }
    refused = { key, version: inForce.version, message: built.error.message, problems: built.error.problems ?? [] };
    if (usable) return active;
    // Nothing good to keep in this isolate yet (a new one, or a core reset): run the deployed config.
  }
  const deployed = deployedConfig(env);
  const built = deployed.error ? deployed : buildRouter(core, env, deployed.config);
  const version = inForce.source === "deployed" ? inForce : { version: null, stored_ms: null, by_key: null };
  const router = { ...built, ...storedFields(version), source: "deployed", key: routerKey(env, version, "deployed"), core, leases: 0, retired: false };
  if (built.error) console.error(JSON.stringify({ event: "llmroute.config_invalid", problems: built.error.problems }));
  return install(router);
}

function install(router) {
  if (active && active !== router) {
    active.retired = true;
    if (active.leases === 0) freeRouter(active);
  }
  active = router;
  return router;
}

function freeRouter(router) {
  if (router.handle !== undefined) router.core.routerFree(router.handle);
}

// Which router a request needs: the gateway, the config (a recorded version, or the deployed text)
// and which secrets are set. A router built for the same key is reused.
function routerKey(env, version, source = version.source) {
  const config = source === "stored" ? `stored:${version.version}` : `deployed:${env.LLMROUTE_CONFIG ?? ""}`;
  return JSON.stringify([env.AI_GATEWAY_BASE_URL ?? "", config, secretsSet(env)]);
}

function storedFields({ source = "stored", version, stored_ms, by_key }) {
  return { source, version, stored_ms, by_key };
}

// The config deployed with the Worker: {config} or {error}.
function deployedConfig(env) {
  const text = env.LLMROUTE_CONFIG ?? null;
  if (text === null) return { config: bundledConfig };
  try {
    return { config: JSON.parse(text) };
  } catch {
    return { error: { message: "LLMROUTE_CONFIG is not valid JSON", type: "invalid_config", code: "invalid_config", http_status: 500 } };
  }
}

// Which bindings hold a value, by name only: the core knows which of them are secrets it needs.
function secretsSet(env) {
  return Object.keys(env).filter((name) => typeof env[name] === "string" && env[name] !== "" && !name.startsWith("LLMROUTE_CONFIG"));
}

// The one exception to "no secret value enters the core": SigV4 needs the AWS secret key to sign
// Bedrock requests, which a header filled in at fetch time cannot do. The core signs with them and
// writes them into nothing it returns; the session token goes out as x-amz-security-token.
function awsCredentials(env) {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return {};
  const credentials = { access_key_id: env.AWS_ACCESS_KEY_ID, secret_access_key: env.AWS_SECRET_ACCESS_KEY };
  if (env.AWS_SESSION_TOKEN) credentials.session_token = env.AWS_SESSION_TOKEN;
  return { aws_credentials: credentials };
}

function hasAdminKey(config) {
  return Array.isArray(config.keys) && config.keys.some((key) => key?.admin === true);
}

function refreshMs(env) {
  const ms = Number(env.LLMROUTE_CONFIG_REFRESH_MS ?? DEFAULT_REFRESH_MS);
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_REFRESH_MS;
}
