// An emulator of Cloudflare AI Gateway (provider-native URLs) and the providers behind it,
// for local dev and integration tests. No dependencies beyond node: built-ins.
//
//   {origin}/v1/{account}/{gateway}/{provider}/{provider-path}   gateway + provider
//   {origin}/__emulator/faults, /__emulator/requests                control API (see README.md)
//
// A request passes, in order: the gateway token (401/2009), routing (404/405), the provider
// key (the provider's 401), request validation (the provider's 400), then the first queued
// fault that matches it, then the deterministic answer built in providers.mjs.

import http from "node:http";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PROVIDERS, buildAnswer } from "./providers.mjs";

export { replyText, estimatePromptTokens, estimateCompletionTokens } from "./providers.mjs";

const FAULT_KINDS = new Set(["status", "malformed", "drop", "truncate", "hang", "wrong-content-type"]);
const GATEWAY_PATH = /^\/v1\/[^/]+\/[^/]+\/([^/]+)(\/.*)?$/;
// Header values hidden in GET /__emulator/requests.
const SECRET_HEADERS = new Set(["cf-aig-authorization", "x-amz-security-token", ...Object.values(PROVIDERS).map((p) => p.authHeader)]);

/**
 * awsCredentials: {accessKeyId, secretAccessKey} to check Bedrock's SigV4 signatures against in
 * full; without it only their form and freshness are checked.
 */
export async function startEmulator({ host = "127.0.0.1", port = 0, gatewayToken = null, byok = false, awsCredentials = null } = {}) {
  const state = {
    gatewayToken,
    byok,
    awsCredentials,
    requests: [],
    faults: [],
    // Aborted by close() so that pending delays and stream pauses end at once.
    closing: new AbortController(),
  };
  const server = http.createServer((req, res) => {
    handle(state, req, res).catch((err) => {
      // A bug in the emulator: say so instead of leaving the client hanging.
      if (!res.headersSent) send(res, 500, { "content-type": "text/plain" }, `emulator error: ${err?.stack ?? err}`);
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${server.address().port}`;
  return {
    url: `${origin}/v1/emu-account/emu-gateway`,
    origin,
    requests: state.requests,
    addFault(rule) {
      state.faults.push(normalizeRule(rule));
    },
    clearFaults() {
      state.faults.length = 0;
    },
    reset() {
      state.faults.length = 0;
      state.requests.length = 0;
    },
    close() {
      state.closing.abort();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections(); // includes hung requests and idle keep-alive sockets
      return closed;
    },
  };
}

// ---- request handling ----

async function handle(state, req, res) {
  const url = new URL(req.url, "http://emulator");
  const body = await readBody(req);
  if (url.pathname.startsWith("/__emulator/")) return control(state, req, res, url.pathname, body);

  const route = GATEWAY_PATH.exec(url.pathname);
  if (!route) return gatewayError(res, 404, "Not Found");
  const [, slug, providerPath = ""] = route;
  const json = parseJson(body);
  state.requests.push({
    provider: slug,
    path: providerPath + url.search,
    url: req.url,
    method: req.method,
    headers: { ...req.headers },
    body,
    json,
    at_ms: Date.now(),
  });

  if (state.gatewayToken !== null && req.headers["cf-aig-authorization"] !== `Bearer ${state.gatewayToken}`) {
    return gatewayError(res, 401, "Unauthorized", 2009);
  }
  const provider = Object.hasOwn(PROVIDERS, slug) ? PROVIDERS[slug] : null;
  // What the URL (or, for most providers, the body) says: the model, and whether to stream (for
  // Bedrock also the region, from the path).
  const call = provider?.route(providerPath, url.searchParams, json) ?? null;
  if (!call) return gatewayError(res, 404, `No route for ${slug}${providerPath}`);
  if (req.method !== "POST") return gatewayError(res, 405, "Method Not Allowed");

  const requestId = provider.requestIdHeader ? provider.newRequestId() : null;
  const headers = { ...gatewayHeaders(), ...(requestId ? { [provider.requestIdHeader]: requestId } : {}) };
  // Some providers say more about an error in headers (Bedrock's x-amzn-errortype, Workers AI's
  // retry-after); a fault's own headers, already in `headers`, win.
  const errorHeaders = (status, detail) => ({ ...provider.errorHeaders?.(status, detail), ...headers });
  const providerError = (status, detail) => sendJson(res, status, errorHeaders(status, detail), provider.errorBody(status, detail, requestId));
  // What a provider whose requests are signed (Bedrock's SigV4) checks the signature against.
  const signed = { path: providerPath, body, call, awsCredentials: state.awsCredentials };
  if (!state.byok && !provider.hasCredentials(req.headers, signed)) {
    return providerError(provider.unauthorized?.status ?? 401, provider.unauthorized);
  }
  const invalid = provider.validate(json, req.headers, call);
  if (invalid) return providerError(invalid.status, invalid);

  const fault = takeFault(state, slug, call.model);
  if (fault?.delayMs > 0 && !(await pause(state, fault.delayMs))) return;
  Object.assign(headers, fault?.headers);
  const answer = buildAnswer(slug, call.model, json, provider.plan(json));
  switch (fault?.kind) {
    case "drop":
      return req.socket.destroy();
    case "hang":
      return; // the socket stays open until the client gives up or close() is called
    case "status": {
      const status = fault.status ?? 500;
      return send(res, status, { ...errorHeaders(status, { model: call.model }), "content-type": "application/json" }, fault.body ?? JSON.stringify(provider.errorBody(status, { model: call.model }, requestId)));
    }
    case "malformed": {
      const full = JSON.stringify(provider.success(answer, call.model));
      return send(res, fault.status ?? 200, { ...headers, "content-type": "application/json" }, fault.body ?? full.slice(0, full.length >> 1));
    }
    case "wrong-content-type": {
      const html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
      return send(res, fault.status ?? 200, { ...headers, "content-type": "text/html; charset=utf-8" }, fault.body ?? html);
    }
  }
  // Only "truncate" or no kind (a delay or extra headers only) get here.
  const cutAfterEvents = fault?.kind === "truncate" ? (fault.afterEvents ?? 2) : Infinity;
  if (call.stream) {
    const contentType = provider.streamContentType ?? "text/event-stream; charset=utf-8";
    return stream(state, res, { ...headers, "content-type": contentType }, provider.streamEvents(answer, call.model, json), cutAfterEvents);
  }
  const text = JSON.stringify(provider.success(answer, call.model));
  if (cutAfterEvents === Infinity) return send(res, 200, { ...headers, "content-type": "application/json" }, text);
  // Truncated plain body: the head promises the full length, half arrives, then the connection dies.
  res.writeHead(200, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.write(text.slice(0, text.length >> 1));
  if (await pause(state, 1)) res.socket?.destroy();
}

/** Writes stream events (SSE text, or binary frames) with a real pause between them so each is its own TCP write. */
async function stream(state, res, headers, events, cutAfterEvents) {
  res.writeHead(200, { ...headers, "cache-control": "no-cache" });
  res.flushHeaders();
  for (const [index, event] of events.entries()) {
    if (!(await pause(state, 1)) || gone(res)) return;
    if (index === cutAfterEvents) return res.socket.destroy();
    res.write(event);
  }
  if (!(await pause(state, 1)) || gone(res)) return;
  // A truncate rule asking for more events than there are still never ends the body cleanly.
  if (Number.isFinite(cutAfterEvents)) return res.socket.destroy();
  res.end();
}

// ---- faults ----

function normalizeRule(rule) {
  if (rule === null || typeof rule !== "object" || Array.isArray(rule)) throw new TypeError("a fault rule must be an object");
  const kind = rule.kind ?? (rule.status !== undefined || rule.body !== undefined ? "status" : undefined);
  if (kind !== undefined && !FAULT_KINDS.has(kind)) throw new TypeError(`unknown fault kind: ${kind}`);
  // Number() lets JSON callers of the control API write "times": "Infinity".
  const remaining = Number(rule.times ?? 1);
  if (!(remaining >= 1)) throw new TypeError("times must be a number >= 1 (or Infinity)");
  return { ...rule, kind, remaining };
}

/** The first queued rule matching this request, used up by one. */
function takeFault(state, provider, model) {
  const index = state.faults.findIndex((r) => (r.provider === undefined || r.provider === provider) && (r.model === undefined || r.model === model));
  if (index < 0) return null;
  const rule = state.faults[index];
  rule.remaining -= 1;
  if (rule.remaining <= 0) state.faults.splice(index, 1);
  return rule;
}

// ---- control API ----

function control(state, req, res, pathname, body) {
  const json = (status, value) => sendJson(res, status, {}, value);
  if (pathname === "/__emulator/faults" && req.method === "POST") {
    try {
      state.faults.push(normalizeRule(parseJson(body)));
    } catch (err) {
      return json(400, { error: err.message });
    }
    return json(201, { queued: state.faults.length });
  }
  if (pathname === "/__emulator/faults" && req.method === "DELETE") {
    state.faults.length = 0;
    return json(200, { queued: 0 });
  }
  if (pathname === "/__emulator/requests" && req.method === "GET") {
    return json(200, state.requests.map((r) => ({ ...r, headers: redact(r.headers) })));
  }
  return json(404, { error: `no control endpoint ${req.method} ${pathname}` });
}

function redact(headers) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.has(name) ? "[redacted]" : value]));
}

// ---- responses ----

/** AiGatewayError body (shared/spec/ai-gateway.md 4.3). */
function gatewayError(res, status, message, internalCode = status) {
  // The real gateway's codes for unknown routes and methods are not documented; those use the HTTP status.
  return sendJson(res, status, gatewayHeaders(), {
    success: false,
    result: [],
    messages: [],
    error: [{ code: internalCode, message }],
    name: "AiGatewayError",
    httpCode: status,
    internalCode,
    message,
    description: message,
  });
}

function gatewayHeaders() {
  return { "cf-aig-log-id": uuidv7(), "cf-aig-step": "0" };
}

function sendJson(res, status, headers, value) {
  send(res, status, { ...headers, "content-type": "application/json" }, JSON.stringify(value));
}

function send(res, status, headers, body) {
  if (gone(res)) return;
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

// ---- helpers ----

/** Waits `ms`; false if the emulator closed meanwhile. */
async function pause(state, ms) {
  try {
    await sleep(ms, undefined, { signal: state.closing.signal });
    return true;
  } catch {
    return false;
  }
}

/** True once the client went away (or close() destroyed the socket). */
function gone(res) {
  return !res.socket || res.socket.destroyed;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Lowercase UUIDv7, the format of new cf-aig-log-id values. */
function uuidv7() {
  const bytes = randomBytes(16);
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
