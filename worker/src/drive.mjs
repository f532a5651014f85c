// The drive loop: runs one call of the core to completion. The core decides; this file only
// performs its actions (fetch, abort, answer, record) and reports back what happened, with the time.

import { CoreError } from "./core.mjs";

/**
 * Runs one call. Resolves as soon as the client's answer is known: a whole answer, or the head of a
 * stream whose bytes keep flowing while the loop goes on (kept alive with `waitUntil`).
 * @param {import("./core.mjs").Core} core
 * @param {number} router  router handle
 * @param {{api_key: string}} meta  what the core needs of the request besides its body
 * @param {Uint8Array} body  the client's request body, as received
 * @param {object} env  Worker env: secret values are read here and only here
 * @param {{recordUsage: (record: object) => void, reserve: (request: object) => Promise<object>,
 *          waitUntil: (p: Promise<unknown>) => void, secretNames: string[]}} hooks
 *   reserve: asks the ledger to reserve a budget ({reservation_id, rate} or {refused});
 *   secretNames: the secrets whose values are scrubbed from every answer
 * @returns {Promise<{response: Response} | {error: object}>}
 */
export async function driveCall(core, router, meta, body, env, hooks) {
  const created = core.callNew(router, meta, body);
  if (created.error) return { error: created.error };

  let answer;
  let failAnswer;
  const answered = new Promise((resolve, reject) => { answer = resolve; failAnswer = reject; });
  const redact = (text) => redactSecrets(text, env, hooks.secretNames);
  const loop = runCall(core, created.handle, env, redact, hooks, answer);
  loop.catch((err) => failAnswer(err));
  hooks.waitUntil(loop.catch(() => {}));
  return { response: await answered };
}

async function runCall(core, call, env, redact, hooks, answer) {
  const inflight = new Map();  // attempt -> AbortController
  const inbox = new Inbox();
  let stream = null;  // the client's stream writer, once a streamed answer has begun
  let answered = false;
  let rateHeaders = {};  // OpenAI-style x-ratelimit-* headers, when the key has a request limit
  const withRate = (headers) => ({ ...headers, ...rateHeaders });
  try {
    let result = core.step(call, { type: "client_request_received", now_ms: Date.now(), seed: randomSeed() });
    for (;;) {
      for (const action of result.actions) {
        switch (action.type) {
          case "send_upstream": {
            const controller = new AbortController();
            inflight.set(action.attempt, controller);
            sendUpstream(action, env, controller.signal, inbox);
            break;
          }
          case "reserve_budget":
            hooks.reserve(action).then(
              (result) => {
                rateHeaders = rateLimitHeaders(result.rate ?? result.refused?.rate);
                inbox.push({ kind: "ledger", event: result.refused
                  ? { type: "budget_refused", ...result.refused }
                  : { type: "budget_reserved", reservation_id: result.reservation_id } });
              },
              // The ledger cannot be reached: refuse rather than spend without counting.
              () => inbox.push({ kind: "ledger", event: { type: "budget_refused", http_status: 429, code: "ledger_unavailable",
                message: "llmroute could not check this key's budget; try again shortly", retry_after_ms: 1000 } }));
            break;
          case "cancel_upstream":
            inflight.get(action.attempt)?.abort();
            inflight.delete(action.attempt);
            break;
          case "respond":
            answer(new Response(redact(action.body), { status: action.status, headers: withRate(action.headers) }));
            answered = true;
            break;
          case "respond_head": {
            const { readable, writable } = new TransformStream();
            stream = writable.getWriter();
            answer(new Response(readable, { status: action.status, headers: withRate(action.headers) }));
            answered = true;
            break;
          }
          case "respond_bytes":
            // Not awaited: the loop must keep reading upstream. A failed write means the client left.
            stream.write(encoder.encode(redact(action.bytes))).catch(() => inbox.push({ kind: "disconnected" }));
            break;
          case "respond_end":
            stream.close().catch(() => {});
            break;
          case "record_usage":
            hooks.recordUsage(action);
            break;
          default:
            throw new CoreError(`unknown action ${action.type}`);
        }
      }
      if (result.done) break;

      const message = await inbox.next(result.deadline_ms);
      const now_ms = Date.now();
      if (message === null) {
        result = core.step(call, { type: "timer_fired", now_ms });
      } else if (message.kind === "body") {
        result = core.feed(call, message.attempt, message.bytes);
      } else if (message.kind === "disconnected") {
        result = core.step(call, { type: "client_disconnected", now_ms });
      } else {
        if (message.kind === "ended" || message.kind === "failed") inflight.delete(message.attempt);
        result = core.step(call, { ...message.event, now_ms });
      }
    }
  } catch (err) {
    stream?.abort(err).catch(() => {});
    throw err;
  } finally {
    for (const controller of inflight.values()) controller.abort();
    core.callFree(call);
  }
  if (!answered) throw new CoreError("the call ended without an answer");
}

const encoder = new TextEncoder();

// Fetches one attempt and reports its head, body chunks and end (or failure) to the inbox.
async function sendUpstream(action, env, signal, inbox) {
  const { attempt } = action;
  const headers = { ...action.headers };
  for (const { name, secret, prefix } of action.secret_headers) {
    headers[name] = prefix + (env[secret] ?? "");
  }
  try {
    const res = await fetch(action.url, { method: action.method, headers, body: action.body, signal });
    inbox.push({ kind: "head", attempt, event: { type: "upstream_responded", attempt, status: res.status, headers: headerObject(res.headers) } });
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        inbox.push({ kind: "body", attempt, bytes: value });
      }
    }
    inbox.push({ kind: "ended", attempt, event: { type: "upstream_ended", attempt } });
  } catch (err) {
    if (signal.aborted) return;  // we cancelled it: the core has already moved on
    inbox.push({ kind: "failed", attempt, event: { type: "upstream_failed", attempt, cause: "network" } });
  }
}

// The core never holds a secret, but an answer can still quote one: a provider's error message that
// echoes the key it was sent, say. Every answer is scrubbed of the secret values this Worker holds.
const MIN_REDACTED_LENGTH = 8;  // shorter values would match ordinary text

/** `text` with the value of each secret in `names` (read from `env`) replaced by "[redacted]". */
export function redactSecrets(text, env, names) {
  for (const name of names) {
    const value = env[name];
    if (typeof value === "string" && value.length >= MIN_REDACTED_LENGTH && text.includes(value)) {
      text = text.replaceAll(value, "[redacted]");
    }
  }
  return text;
}

// OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens}, for each limit the key has.
function rateLimitHeaders(rate) {
  const out = {};
  for (const [kind, r] of Object.entries(rate ?? {})) {
    out[`x-ratelimit-limit-${kind}`] = String(r.limit);
    out[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, r.remaining));
    out[`x-ratelimit-reset-${kind}`] = `${Math.ceil(r.reset_ms / 1000)}s`;
  }
  return out;
}

// Only the headers the core reads; keeps the event small.
function headerObject(headers) {
  const out = {};
  for (const name of ["retry-after", "retry-after-ms", "content-type", "x-amzn-errortype"]) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function randomSeed() {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (words[0] & 0x1fffff) * 2 ** 32 + words[1];  // 53 bits: exact in JSON
}

// A queue of messages from the fetches, read one at a time, with a deadline.
class Inbox {
  #messages = [];
  #wake = null;

  push(message) {
    this.#messages.push(message);
    this.#wake?.();
  }

  /** The next message, or null when `deadline_ms` (absolute, Date.now() clock) passes first. */
  async next(deadline_ms) {
    while (this.#messages.length === 0) {
      let timer = null;
      const fired = await new Promise((resolve) => {
        this.#wake = () => resolve(false);
        if (deadline_ms !== null) timer = setTimeout(() => resolve(true), Math.max(0, deadline_ms - Date.now()));
      });
      this.#wake = null;
      if (timer !== null) clearTimeout(timer);
      if (fired) return null;
    }
    return this.#messages.shift();
  }
}
