// What each emulated provider looks like on the wire: one table entry per provider.
//
// An entry knows its route under the gateway (which paths it serves, and where
// the model and the wish to stream are said: the body, or for Gemini and Bedrock the path),
// how its auth header looks, how it rejects a bad request, and how it writes
// answers, streams and errors. The
// answer itself (text or tool call, token counts, finish reason) is decided
// once by buildAnswer(), so every provider says the same thing in its own shape.
// Body shapes follow the recordings described in shared/fixtures/README.md.

import { STATUS_CODES } from "node:http";
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { Buffer } from "node:buffer";
import { crc32 } from "node:zlib";

// ---- deterministic answers, exported so tests can compute expected values ----

/** The assistant text for a request: fixed per provider and model. */
export function replyText(provider, model) {
  return `Hello from the llmroute emulator (${provider} ${model}).`;
}

/** ceil(chars / 4): the emulator's whole tokenizer. */
export function estimateCompletionTokens(text) {
  return Math.ceil(text.length / 4);
}

/**
 * Prompt tokens for a parsed request body (OpenAI, Anthropic or Gemini):
 * ceil(characters of all message text, plus an Anthropic `system` or a Gemini `systemInstruction`, / 4)
 * + 4 per message (Gemini: per content).
 */
export function estimatePromptTokens(request) {
  const turns = Array.isArray(request?.messages) ? request.messages : Array.isArray(request?.contents) ? request.contents : [];
  const system = textOf(request?.system) + textOf(request?.systemInstruction?.parts);
  const chars = turns.reduce((sum, m) => sum + textOf(m?.content ?? m?.parts).length, system.length);
  return Math.ceil(chars / 4) + 4 * turns.length;
}

/** Thinking tokens a Gemini model reports beside its answer: thinking models (2.5, 3) think a fixed 21. */
export function geminiThoughtTokens(model) {
  return /^gemini-(2\.5|3)/.test(model ?? "") ? 21 : 0;
}

// Text of a content value: a string, or blocks/parts with `text` (tool results nest `content`).
function textOf(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (typeof part === "string" ? part : typeof part?.text === "string" ? part.text : textOf(part?.content))).join("");
}

/**
 * Decides what the "model" answers. `plan` comes from the provider entry:
 * { toolName: string | null, maxTokens: number | null }.
 * finish is provider-neutral: "stop" | "length" | "tool".
 */
export function buildAnswer(provider, model, request, plan) {
  const promptTokens = estimatePromptTokens(request);
  // A reasoning model thinks first; its reasoning tokens are counted apart from completionTokens.
  const reasoning = plan.reasoning ? { reasoning: REASONING_TEXT, reasoningTokens: estimateCompletionTokens(REASONING_TEXT) } : { reasoning: null, reasoningTokens: 0 };
  if (plan.toolName) {
    return { text: "", toolName: plan.toolName, finish: "tool", promptTokens, completionTokens: estimateCompletionTokens(`${plan.toolName}{}`), ...reasoning };
  }
  let text = replyText(provider, model);
  let finish = "stop";
  if (Number.isInteger(plan.maxTokens) && plan.maxTokens >= 0 && estimateCompletionTokens(text) > plan.maxTokens) {
    text = text.slice(0, plan.maxTokens * 4);
    finish = "length";
  }
  return { text, toolName: null, finish, promptTokens, completionTokens: estimateCompletionTokens(text), ...reasoning };
}

/** What reasoning models (DeepSeek's reasoner, Grok) think before answering. */
export const REASONING_TEXT = "The user wants a greeting; a short one will do.";

/** The route of providers whose path is fixed and whose body names the model and asks for a stream. */
function bodyRoute(path) {
  return (providerPath, _query, request) => (providerPath === path ? { model: request?.model, stream: request?.stream === true } : null);
}

// ---- OpenAI Chat Completions, and the providers that speak its dialect ----
//
// One set of builders; a dialect object says how a provider's wire differs from OpenAI's (as
// recorded in shared/fixtures/): ids, tool-call and message shape, extra fields, usage counting,
// where stream usage goes, padding, comments, error bodies.

const OPENAI_FINISH = { stop: "stop", length: "length", tool: "tool_calls" };
const OPENAI_FINGERPRINT = "fp_e0a1b2c3d4";

// [type, code, message] by status; `{model}` is filled in from the request.
const OPENAI_ERRORS = {
  400: ["invalid_request_error", null, "Invalid request."],
  401: ["invalid_request_error", "invalid_api_key", "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."],
  403: ["invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"],
  404: ["invalid_request_error", "model_not_found", "The model `{model}` does not exist or you do not have access to it."],
  429: ["requests", "rate_limit_exceeded", "Rate limit reached for requests"],
  500: ["server_error", null, "The server had an error while processing your request. Sorry about that!"],
  503: ["server_error", null, "The server is overloaded or not ready yet."],
};

/** OpenAI's own dialect; the others are written as differences from it. */
const OPENAI_DIALECT = {
  path: "/chat/completions",
  newId: () => randomId("chatcmpl-", 29),
  toolCall: (name) => ({ id: randomId("call_", 24), type: "function", function: { name, arguments: "{}" } }),
  messageExtras: () => ({ refusal: null, annotations: [] }),
  completionExtras: () => ({ service_tier: "default", system_fingerprint: OPENAI_FINGERPRINT }),
  usage: openAiUsage,
  errorBody: openAiError,
  // stream: usage "chunk" (its own chunk, when asked) | "finish" (on the finish chunk, unasked) |
  // "finish-asked" | "x_groq" | "every" (running totals on every chunk); wholeToolCall (one chunk);
  // repeatToolHeader (id and name in every fragment); padding; comment; opening (event before the
  // first chunk); doneObject (last chunk's object, no [DONE]); bare (chunks of choices only);
  // omitNullFinish; roleExtras (fields of the first delta).
  stream: { usage: "chunk", roleExtras: { refusal: null } },
};

/** An entry of PROVIDERS for an OpenAI-dialect provider. */
function openAiDialect(dialect) {
  const d = { ...OPENAI_DIALECT, ...dialect, stream: { ...OPENAI_DIALECT.stream, ...dialect.stream } };
  const authHeader = d.authHeader ?? "authorization";
  return {
    // A fixed path, or (Azure) one that names the deployment, the model: either way {model, stream}.
    route: d.route
      ? (providerPath, query, request) => {
          const served = d.route(providerPath, query);
          return served ? { model: served.model, stream: request?.stream === true } : null;
        }
      : bodyRoute(d.path),
    authHeader,
    requestIdHeader: d.requestIdHeader ?? "x-request-id",
    newRequestId: d.newRequestId ?? (() => `req_${randomBytes(16).toString("hex")}`),
    hasCredentials: authHeader === "authorization" ? (headers) => /^Bearer\s+\S/i.test(headers.authorization ?? "") : (headers) => (headers[authHeader] ?? "").trim() !== "",
    validate: d.validate ?? validateOpenAi,
    plan(request) {
      const last = request.messages.at(-1);
      const tool = Array.isArray(request.tools) && last?.role === "user" ? request.tools[0]?.function?.name : null;
      return {
        toolName: typeof tool === "string" ? tool : null,
        maxTokens: request.max_completion_tokens ?? request.max_tokens ?? null,
        reasoning: d.reasoning?.(request.model) ?? false,
      };
    },
    success: (answer, model) => openAiCompletion(answer, model, d),
    streamEvents: (answer, model, request) => openAiChunks(answer, model, request, d),
    errorBody: d.errorBody,
    errorHeaders: d.errorHeaders,
  };
}

function validateOpenAi(request) {
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    return { status: 400, message: "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload." };
  }
  if (typeof request.model !== "string") return { status: 400, message: "you must provide a model parameter" };
  if (!Array.isArray(request.messages)) {
    return { status: 400, message: "Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter" };
  }
  if (request.messages.length === 0) {
    return {
      status: 400,
      message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      param: "messages",
      code: "empty_array",
    };
  }
  return null;
}

function openAiError(status, detail = {}) {
  const [type, code, message] = OPENAI_ERRORS[status] ?? [status >= 500 ? "server_error" : "invalid_request_error", null, STATUS_CODES[status] ?? "Error"];
  return {
    error: {
      message: detail.message ?? message.replace("{model}", detail.model ?? ""),
      type,
      param: detail.param ?? null,
      code: detail.code === undefined ? code : detail.code,
    },
  };
}

/** OpenAI counts reasoning inside completion_tokens. */
function openAiUsage(answer) {
  return {
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.completionTokens + answer.reasoningTokens,
    total_tokens: answer.promptTokens + answer.completionTokens + answer.reasoningTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: answer.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** prompt, completion, total: all some providers report. */
function plainUsage(answer) {
  const completion = answer.completionTokens + answer.reasoningTokens;
  return { prompt_tokens: answer.promptTokens, completion_tokens: completion, total_tokens: answer.promptTokens + completion };
}

function openAiCompletion(answer, model, d = OPENAI_DIALECT) {
  const finishReason = OPENAI_FINISH[answer.finish];
  const message = { role: "assistant", content: answer.toolName ? null : answer.text };
  if (answer.reasoning) message.reasoning_content = answer.reasoning;
  if (answer.toolName) message.tool_calls = [d.toolCall(answer.toolName)];
  Object.assign(message, d.messageExtras?.(answer));
  return {
    id: d.newId(),
    object: "chat.completion",
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason, ...d.choiceExtras?.(finishReason) }],
    usage: d.usage(answer),
    ...d.completionExtras?.(answer),
  };
}

/** `data:` frames of a chat.completion.chunk stream, ending with [DONE] (or the dialect's end). */
function openAiChunks(answer, model, request, d = OPENAI_DIALECT) {
  const s = d.stream;
  const asked = request.stream_options?.include_usage === true;
  const usageAt = s.usage === "finish-asked" ? (asked ? "finish" : null) : s.usage === "chunk" && !asked ? null : s.usage;
  const base = s.bare ? {} : { id: d.newId(), object: "chat.completion.chunk", created: nowSeconds(), model, ...d.chunkExtras?.() };
  // OpenAI (and DeepSeek) write usage: null on every chunk when usage was asked for.
  const nullUsage = asked && (s.usage === "chunk" || s.usage === "finish-asked") ? { usage: null } : {};
  const chunk = (delta, finishReason = null) => {
    const choice = s.bare ? { delta } : { index: 0, delta, logprobs: null };
    if (finishReason !== null || !s.omitNullFinish) choice.finish_reason = finishReason;
    return { ...base, choices: [{ ...choice, ...d.choiceExtras?.(finishReason) }], ...nullUsage };
  };
  const deltas = [];
  for (const piece of textPieces(answer.reasoning ?? "")) deltas.push({ reasoning_content: piece });
  if (answer.toolName) {
    const { id, type, function: fn } = d.toolCall(answer.toolName);
    const header = { index: 0, id, ...(type ? { type } : {}) };
    if (s.wholeToolCall) {
      deltas.push({ content: null, tool_calls: [{ ...header, function: fn }] });
    } else {
      // Like the recording: the first fragment names the call, later ones append to `arguments`.
      deltas.push({ content: null, tool_calls: [{ ...header, function: { name: fn.name, arguments: "" } }] });
      const more = s.repeatToolHeader ? { ...header, function: { name: fn.name, arguments: fn.arguments } } : { index: 0, function: { arguments: fn.arguments } };
      deltas.push({ tool_calls: [more] });
    }
  } else {
    if (!answer.reasoning) deltas.push({ content: "" });
    for (const piece of textPieces(answer.text)) deltas.push({ content: piece });
  }
  deltas[0] = { role: "assistant", ...deltas[0], ...s.roleExtras };
  const chunks = deltas.map((delta) => chunk(delta));
  chunks.push(chunk({}, OPENAI_FINISH[answer.finish]));

  const usage = d.usage(answer);
  if (usageAt === "chunk") chunks.push({ ...base, choices: [], usage });
  if (usageAt === "finish") chunks.at(-1).usage = usage;
  if (usageAt === "x_groq") chunks.at(-1).x_groq = { ...chunks.at(-1).x_groq, usage };
  if (usageAt === "every") {
    // Running totals: what was generated so far, the full count on the last chunk.
    let sofar = 0;
    for (const c of chunks) {
      sofar += estimateCompletionTokens(c.choices[0].delta.content ?? "");
      c.usage = { ...usage, completion_tokens: Math.min(sofar, usage.completion_tokens), total_tokens: usage.prompt_tokens + Math.min(sofar, usage.completion_tokens) };
    }
    chunks.at(-1).usage = usage;
  }
  if (s.padding) for (const c of chunks.slice(1)) c.p = "abcdefghijklmnopqrstuvwxyz0123456789".slice(0, 1 + (randomBytes(1)[0] % 32));
  if (s.doneObject) chunks.at(-1).object = s.doneObject;
  const events = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`);
  if (s.opening) events.unshift(`data: ${JSON.stringify(s.opening)}\n\n`);
  if (s.comment) events.unshift(`: ${s.comment}\n\n`);
  if (!s.doneObject) events.push("data: [DONE]\n\n");
  return events;
}

// Groq: usage with timings, x_groq beside it; in streams the usage comes as x_groq.usage on the
// finish chunk, asked for or not. It answers 400 to fields it does not support.
const GROQ_DIALECT = {
  newId: () => `chatcmpl-${randomUuid()}`,
  messageExtras: () => ({}),
  completionExtras: () => ({ system_fingerprint: "fp_179b0f92c9", x_groq: { id: `req_${randomId("", 26).toLowerCase()}` } }),
  chunkExtras: () => ({ system_fingerprint: "fp_179b0f92c9" }),
  usage: (answer) => ({ queue_time: 0.016676449, ...plainUsage(answer), prompt_time: 0.00178721, completion_time: 0.035833333, total_time: 0.037620543 }),
  validate(request) {
    const invalid = validateOpenAi(request);
    if (invalid) return invalid;
    for (const field of ["logprobs", "logit_bias", "top_logprobs"]) {
      if (field in request) return { status: 400, message: `property '${field}' is unsupported, please remove it` };
    }
    if ("n" in request && request.n !== 1) return { status: 400, message: "'n' : number must be at most 1" };
    const named = request.messages.findIndex((m) => m && "name" in m);
    if (named >= 0) return { status: 400, message: `'messages.${named}' : for 'role:${request.messages[named].role}' the following must be satisfied[('messages.${named}.name' : property 'name' is unsupported)]` };
    return null;
  },
  stream: { usage: "x_groq", roleExtras: {} },
};

// Mistral: tool calls without a type and with short ids, tool_calls null on text answers; streams
// pad every chunk with "p" and put usage on the finish chunk, unasked. It answers 422 to any field
// it does not know, in the body or in a message.
const MISTRAL_FIELDS = new Set(["model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "response_format", "tools",
  "tool_choice", "presence_penalty", "frequency_penalty", "n", "parallel_tool_calls", "prediction", "safe_prompt", "prompt_mode"]);
const MISTRAL_MESSAGE_FIELDS = new Set(["role", "content", "tool_calls", "tool_call_id", "name", "prefix"]);
const MISTRAL_DIALECT = {
  path: "/v1/chat/completions",
  newId: () => randomBytes(16).toString("hex"),
  toolCall: (name) => ({ id: randomId("", 9), function: { name, arguments: "{}" } }),
  messageExtras: (answer) => (answer.toolName ? {} : { tool_calls: null }),
  completionExtras: () => ({}),
  usage: plainUsage,
  validate(request) {
    const invalid = validateOpenAi(request);
    if (invalid) return { ...invalid, status: 422 };
    const extra = [];
    for (const key of Object.keys(request)) if (!MISTRAL_FIELDS.has(key)) extra.push(["body", key]);
    request.messages.forEach((m, i) => {
      for (const key of Object.keys(m ?? {})) if (!MISTRAL_MESSAGE_FIELDS.has(key) || (key === "name" && m.role !== "tool")) extra.push(["body", "messages", i, m.role, key]);
    });
    if (extra.length === 0) return null;
    return { status: 422, message: { detail: extra.map((loc) => ({ type: "extra_forbidden", loc, msg: "Extra inputs are not permitted", input: null })) } };
  },
  errorBody: (status, detail = {}) => ({
    object: "error",
    message: detail.message ?? (status === 401 ? "Unauthorized" : status === 429 ? "Requests rate limit exceeded" : STATUS_CODES[status] ?? "Error"),
    type: status >= 500 ? "internal_server_error" : "invalid_request_error",
    param: null,
    code: status === 422 ? 3001 : null,
  }),
  stream: { usage: "finish", padding: true, wholeToolCall: true, roleExtras: {} },
};

// DeepSeek: deepseek-reasoner thinks in reasoning_content; usage names cache hits and misses; in
// streams the usage rides on the finish chunk when asked.
const DEEPSEEK_DIALECT = {
  newId: randomUuid,
  reasoning: (model) => model.includes("reasoner"),
  messageExtras: () => ({}),
  completionExtras: () => ({ system_fingerprint: "fp_8b330d02d0_prod0820_fp8_kvcache" }),
  chunkExtras: () => ({ system_fingerprint: "fp_8b330d02d0_prod0820_fp8_kvcache" }),
  usage: (answer) => ({
    ...openAiUsage(answer),
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: answer.reasoningTokens },
    prompt_cache_hit_tokens: 0,
    prompt_cache_miss_tokens: answer.promptTokens,
  }),
  errorBody: (status, detail = {}) => ({
    error: {
      message: detail.message ?? ({ 401: "Authentication Fails, Your api key: ****abcd is invalid", 402: "Insufficient Balance", 429: "Rate Limit Reached", 503: "Server overloaded" }[status] ?? STATUS_CODES[status] ?? "Error"),
      type: status === 401 ? "authentication_error" : status >= 500 ? "server_error" : "invalid_request_error",
      param: null,
      code: status === 401 ? "invalid_request_error" : null,
    },
  }),
  stream: { usage: "finish-asked", roleExtras: {} },
};

// xAI: reasoning models think in reasoning_content, and completion_tokens leaves those reasoning
// tokens out while total_tokens counts them. Tool calls stream whole; errors are {code, error}.
const GROK_DIALECT = {
  path: "/v1/chat/completions",
  newId: randomUuid,
  reasoning: (model) => /mini|reasoning/.test(model),
  messageExtras: () => ({ refusal: null }),
  completionExtras: () => ({ system_fingerprint: "fp_2a885414fb" }),
  chunkExtras: () => ({ system_fingerprint: "fp_2a885414fb" }),
  usage: (answer) => ({
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.completionTokens,
    total_tokens: answer.promptTokens + answer.completionTokens + answer.reasoningTokens,
    prompt_tokens_details: { text_tokens: answer.promptTokens, audio_tokens: 0, image_tokens: 0, cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: answer.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    num_sources_used: 0,
    cost_in_usd_ticks: 1176500,
  }),
  errorBody: (status, detail = {}) => ({
    code: { 400: "Client specified an invalid argument", 401: "Unauthenticated", 404: "Some requested entity was not found", 429: "Too many requests" }[status] ?? "Internal error",
    error: detail.message ?? (status === 401 ? "Incorrect API key provided: sk***. You can obtain an API key from https://console.x.ai." : STATUS_CODES[status] ?? "Error"),
  }),
  stream: { usage: "chunk", wholeToolCall: true, omitNullFinish: true, roleExtras: {} },
};

// OpenRouter: gen-* ids, the serving provider named, native_finish_reason beside finish_reason,
// usage with cost; streams open with a processing comment and repeat a tool call's id and name in
// every fragment. Errors carry an integer code and the upstream's words in metadata.raw.
const OPENROUTER_DIALECT = {
  path: "/v1/chat/completions",
  newId: () => `gen-${nowSeconds()}-${randomId("", 20)}`,
  choiceExtras: (finishReason) => ({ native_finish_reason: finishReason }),
  messageExtras: () => ({ refusal: null, reasoning: null }),
  completionExtras: () => ({ provider: "Emulated" }),
  chunkExtras: () => ({ provider: "Emulated", system_fingerprint: "" }),
  usage: (answer) => ({
    ...openAiUsage(answer),
    cost: (answer.promptTokens * 0.15 + (answer.completionTokens + answer.reasoningTokens) * 0.6) / 1e6,
    is_byok: false,
    prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    cost_details: { upstream_inference_cost: null },
    completion_tokens_details: { reasoning_tokens: answer.reasoningTokens },
  }),
  errorBody: (status, detail = {}) => ({
    error: {
      code: status,
      message: detail.message ?? (status === 429 ? "Provider returned error" : status === 401 ? "No auth credentials found" : STATUS_CODES[status] ?? "Error"),
      ...(status === 429 ? { metadata: { provider_name: "Emulated", raw: `${detail.model ?? "the model"} is temporarily rate-limited upstream. Please retry shortly.` } } : {}),
    },
    user_id: "user_2wT5ElBE4Es3R4QrNLpZiXICmQP",
  }),
  stream: { usage: "chunk", comment: "OPENROUTER PROCESSING", repeatToolHeader: true, roleExtras: {} },
};

// Perplexity: citations beside every answer and chunk; stream chunks repeat the running usage,
// unasked, and the last one is object chat.completion.done with no [DONE] after it.
const PERPLEXITY_CITATIONS = ["https://en.wikipedia.org/wiki/Greeting", "https://example.com/hello"];
const PERPLEXITY_DIALECT = {
  newId: randomUuid,
  messageExtras: () => ({}),
  completionExtras: () => ({ citations: PERPLEXITY_CITATIONS }),
  chunkExtras: () => ({ citations: PERPLEXITY_CITATIONS }),
  usage: plainUsage,
  errorBody: (status, detail = {}) => ({
    error: {
      message: detail.message ?? (status === 401 ? "Invalid API key" : STATUS_CODES[status] ?? "Error"),
      type: status === 401 ? "invalid_api_key" : status === 429 ? "rate_limit_exceeded" : status >= 500 ? "internal_server_error" : "invalid_request",
      code: status,
    },
  }),
  stream: { usage: "every", doneObject: "chat.completion.done", omitNullFinish: true, roleExtras: {} },
};

// Azure OpenAI: the deployment in the path selects the model; api-key header; content filter
// results on the prompt and on every choice; streams open with an event of empty choices holding
// only the prompt's filter results. Errors are {"error": {"code", "message"}}.
const AZURE_SAFE = { hate: { filtered: false, severity: "safe" }, self_harm: { filtered: false, severity: "safe" }, sexual: { filtered: false, severity: "safe" }, violence: { filtered: false, severity: "safe" } };
const AZURE_PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: AZURE_SAFE }];
const AZURE_ERRORS = {
  401: ["401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."],
  404: ["DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."],
  429: ["429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current tier. Please retry after 1 second."],
  500: ["InternalServerError", "The server had an error while processing your request."],
};
const AZURE_DIALECT = {
  path: undefined,
  route(providerPath, query) {
    const match = /^\/([\w.-]+)\/([\w.-]+)\/chat\/completions$/.exec(providerPath);
    return match && query.has("api-version") ? { model: match[2] } : null;
  },
  authHeader: "api-key",
  requestIdHeader: "apim-request-id",
  newRequestId: randomUuid,
  validate: (request) => (request !== null && typeof request === "object" && Array.isArray(request.messages) && request.messages.length > 0
    ? null
    : { status: 400, message: "'messages' is a required property" }),
  choiceExtras: () => ({ content_filter_results: AZURE_SAFE }),
  messageExtras: () => ({}),
  completionExtras: () => ({ prompt_filter_results: AZURE_PROMPT_FILTER, system_fingerprint: null }),
  chunkExtras: () => ({ system_fingerprint: null }),
  usage: plainUsage,
  errorBody: (status, detail = {}) => {
    const [code, message] = AZURE_ERRORS[status] ?? [String(status), STATUS_CODES[status] ?? "Error"];
    return { error: { code, message: detail.message ?? message, ...(status === 404 ? { type: "invalid_request_error" } : {}) } };
  },
  stream: { usage: "chunk", opening: { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: AZURE_PROMPT_FILTER }, roleExtras: {} },
};

// Workers AI's OpenAI-compatible endpoint: vLLM-style answers (tool_calls: [] on text, stop_reason),
// chunks of bare choices; errors in the Cloudflare v4 envelope, 3040 (out of capacity) with 429.
const WORKERS_AI_ERRORS = { 400: [5006, "Bad input"], 401: [10000, "Authentication error"], 404: [7000, "No route for that URI"], 429: [3040, "Capacity temporarily exceeded"], 500: [3043, "Internal server error"] };
const WORKERS_AI_DIALECT = {
  path: "/v1/chat/completions",
  newId: () => `chatcmpl-${randomBytes(16).toString("hex")}`,
  choiceExtras: () => ({ stop_reason: null }),
  messageExtras: (answer) => (answer.toolName ? {} : { tool_calls: [] }),
  completionExtras: () => ({ prompt_logprobs: null }),
  usage: plainUsage,
  errorBody: (status, detail = {}) => {
    const [code, message] = WORKERS_AI_ERRORS[status] ?? [status, STATUS_CODES[status] ?? "Error"];
    return { success: false, errors: [{ code, message: detail.message ?? message }], messages: [], result: null };
  },
  errorHeaders: (status) => (status === 429 ? { "retry-after": "2" } : {}),
  stream: { usage: "chunk", bare: true, roleExtras: {} },
};

// ---- the provider table ----

export const PROVIDERS = {
  openai: openAiDialect({}),
  anthropic: {
    route: bodyRoute("/v1/messages"),
    authHeader: "x-api-key",
    requestIdHeader: "request-id",
    newRequestId: () => randomId("req_011C", 20),
    hasCredentials: (headers) => (headers["x-api-key"] ?? "").trim() !== "",
    validate: validateAnthropic,
    plan(request) {
      const last = request.messages.at(-1);
      // Tool results come back as a user message of tool_result blocks; answer those with
      // text, otherwise a client's tool loop would never end.
      const userTurn = last?.role === "user" && !(Array.isArray(last.content) && last.content.some((b) => b?.type === "tool_result"));
      const tool = Array.isArray(request.tools) && userTurn ? request.tools[0]?.name : null;
      return { toolName: typeof tool === "string" ? tool : null, maxTokens: request.max_tokens };
    },
    success: anthropicMessage,
    streamEvents: anthropicEvents,
    errorBody: anthropicError,
  },
  groq: openAiDialect(GROQ_DIALECT),
  mistral: openAiDialect(MISTRAL_DIALECT),
  deepseek: openAiDialect(DEEPSEEK_DIALECT),
  grok: openAiDialect(GROK_DIALECT),
  openrouter: openAiDialect(OPENROUTER_DIALECT),
  "perplexity-ai": openAiDialect(PERPLEXITY_DIALECT),
  "azure-openai": openAiDialect(AZURE_DIALECT),
  "workers-ai": openAiDialect(WORKERS_AI_DIALECT),
  "google-ai-studio": {
    route: geminiRoute,
    authHeader: "x-goog-api-key",
    requestIdHeader: null,  // Gemini names its answers in the body (responseId), not in a header
    hasCredentials: (headers) => (headers["x-goog-api-key"] ?? "").trim() !== "",
    unauthorized: { status: 403 },  // Gemini refuses a missing key as forbidden
    validate: validateGemini,
    plan(request) {
      const last = request.contents.at(-1);
      // Function results come back as a user turn of functionResponse parts: answer those with text.
      const userTurn = last?.role !== "model" && !last?.parts?.some((p) => p?.functionResponse);
      const tool = Array.isArray(request.tools) && userTurn ? request.tools.flatMap((t) => t?.functionDeclarations ?? [])[0]?.name : null;
      return { toolName: typeof tool === "string" ? tool : null, maxTokens: request.generationConfig?.maxOutputTokens ?? null };
    },
    success: geminiResponse,
    streamEvents: geminiEvents,
    errorBody: geminiError,
  },
  cohere: {
    route: bodyRoute("/v2/chat"),
    authHeader: "authorization",
    requestIdHeader: "x-debug-trace-id",
    newRequestId: () => randomBytes(16).toString("hex"),
    hasCredentials: (headers) => /^Bearer\s+\S/i.test(headers.authorization ?? ""),
    validate: validateCohere,
    plan(request) {
      const last = request.messages.at(-1);
      const tool = Array.isArray(request.tools) && last?.role === "user" ? request.tools[0]?.function?.name : null;
      return { toolName: typeof tool === "string" ? tool : null, maxTokens: request.max_tokens ?? null };
    },
    success: cohereResponse,
    streamEvents: cohereEvents,
    errorBody: cohereError,
  },
  "aws-bedrock": {
    route: bedrockRoute,
    authHeader: "authorization",
    requestIdHeader: "x-amzn-requestid",
    newRequestId: () => randomUUID(),
    hasCredentials: hasBedrockSignature,
    unauthorized: {
      status: 403,
      errorType: "InvalidSignatureException",
      message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    },
    validate: validateBedrock,
    plan(request) {
      const last = request.messages.at(-1);
      const userTurn = last?.role === "user" && !last.content.some((block) => block?.toolResult);
      const tool = userTurn ? request.toolConfig?.tools?.[0]?.toolSpec?.name : null;
      return { toolName: typeof tool === "string" ? tool : null, maxTokens: request.inferenceConfig?.maxTokens ?? null };
    },
    success: bedrockResponse,
    streamEvents: bedrockFrames,
    streamContentType: "application/vnd.amazon.eventstream",
    errorBody: (status, detail = {}) => ({ message: detail.message ?? (BEDROCK_ERRORS[status]?.[1] ?? STATUS_CODES[status] ?? "Error").replace("{model}", detail.model ?? "") }),
    // The error class is only in this header; the body has just a message.
    errorHeaders: (status, detail = {}) => ({
      "x-amzn-errortype": `${detail.errorType ?? BEDROCK_ERRORS[status]?.[0] ?? (status >= 500 ? "InternalServerException" : "ValidationException")}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    }),
  },
};

// ---- Anthropic Messages ----

const ANTHROPIC_STOP = { stop: "end_turn", length: "max_tokens", tool: "tool_use" };

// [error.type, message] by status; `{model}` is filled in from the request.
const ANTHROPIC_ERRORS = {
  400: ["invalid_request_error", "Invalid request."],
  401: ["authentication_error", "invalid x-api-key"],
  403: ["permission_error", "Your API key does not have permission to use the specified resource."],
  404: ["not_found_error", "model: {model}"],
  413: ["request_too_large", "Request exceeds the maximum allowed number of bytes."],
  429: ["rate_limit_error", "This request would exceed the rate limit for your organization. Please try again later."],
  500: ["api_error", "Internal server error"],
  504: ["timeout_error", "Request timeout"],
  529: ["overloaded_error", "Overloaded"],
};

function validateAnthropic(request, headers) {
  if (!headers["anthropic-version"]) return { status: 400, message: "anthropic-version: header is required" };
  if (request === null || typeof request !== "object" || Array.isArray(request)) return { status: 400, message: "The request body is not valid JSON." };
  if (typeof request.model !== "string") return { status: 400, message: "model: Field required" };
  if (!Array.isArray(request.messages)) return { status: 400, message: "messages: Field required" };
  if (request.messages.length === 0) return { status: 400, message: "messages: at least one message is required" };
  if (!Number.isInteger(request.max_tokens)) return { status: 400, message: "max_tokens: Field required" };
  return null;
}

function anthropicError(status, detail = {}, requestId) {
  const [type, message] = ANTHROPIC_ERRORS[status] ?? [status >= 500 ? "api_error" : "invalid_request_error", STATUS_CODES[status] ?? "Error"];
  return { type: "error", error: { type, message: detail.message ?? message.replace("{model}", detail.model ?? "") }, request_id: requestId };
}

function anthropicUsage(answer, outputTokens) {
  return {
    input_tokens: answer.promptTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

function anthropicEnvelope(answer, model, content, stopReason, outputTokens) {
  return {
    id: randomId("msg_01", 22),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: anthropicUsage(answer, outputTokens),
  };
}

function anthropicMessage(answer, model) {
  const block = answer.toolName ? { type: "tool_use", id: randomId("toolu_01", 22), name: answer.toolName, input: {} } : { type: "text", text: answer.text };
  return anthropicEnvelope(answer, model, [block], ANTHROPIC_STOP[answer.finish], answer.completionTokens);
}

/** Named SSE events in the order of the recorded streams. */
function anthropicEvents(answer, model) {
  const event = (name, data) => `event: ${name}\ndata: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
  // message_start carries the envelope with empty content and an output count of 1, as recorded.
  const start = anthropicEnvelope(answer, model, [], null, 1);
  const block = answer.toolName ? { type: "tool_use", id: randomId("toolu_01", 22), name: answer.toolName, input: {} } : { type: "text", text: "" };
  const deltas = answer.toolName
    ? ["", "{}"].map((partial_json) => ({ type: "input_json_delta", partial_json }))
    : textPieces(answer.text).map((text) => ({ type: "text_delta", text }));
  return [
    event("message_start", { type: "message_start", message: start }),
    event("content_block_start", { type: "content_block_start", index: 0, content_block: block }),
    event("ping", '{"type": "ping"}'),
    ...deltas.map((delta) => event("content_block_delta", { type: "content_block_delta", index: 0, delta })),
    event("content_block_stop", { type: "content_block_stop", index: 0 }),
    event("message_delta", {
      type: "message_delta",
      delta: { stop_reason: ANTHROPIC_STOP[answer.finish], stop_sequence: null },
      usage: { output_tokens: answer.completionTokens },
    }),
    event("message_stop", { type: "message_stop" }),
  ];
}

// ---- Cohere v2 chat ----

const COHERE_FINISH = { stop: "COMPLETE", length: "MAX_TOKENS", tool: "TOOL_CALL" };
// Cohere counts, but does not bill, the tokens of its own prompt template: usage.tokens exceeds
// usage.billed_units (496 against 1 in the recording). The emulator adds this many.
export const COHERE_TEMPLATE_TOKENS = 400;
const COHERE_PLAN = "I will call the tool to answer.";

// Messages by status; `{model}` is filled in from the request.
const COHERE_ERRORS = {
  400: "invalid request: the request is not valid.",
  401: "invalid api token",
  404: "model '{model}' not found, make sure the correct model ID was used and that you have access to the model.",
  429: "You are using a Trial key, which is limited to 10 API calls / minute. You can continue to use the Trial key for free or upgrade to a Production key with higher rate limits.",
  500: "internal server error, this has been reported to our developers.",
};

function validateCohere(request) {
  if (request === null || typeof request !== "object" || Array.isArray(request)) return { status: 400, message: "invalid request: the request body is not valid JSON." };
  if (typeof request.model !== "string") return { status: 400, message: "invalid request: model must be a string." };
  if (!Array.isArray(request.messages) || request.messages.length === 0) return { status: 400, message: "invalid request: list of messages must not be empty." };
  return null;
}

function cohereError(status, detail = {}) {
  const message = detail.message ?? (COHERE_ERRORS[status] ?? STATUS_CODES[status] ?? "Error").replace("{model}", detail.model ?? "");
  return { id: randomUUID(), message };
}

function cohereUsage(answer) {
  return {
    billed_units: { input_tokens: answer.promptTokens, output_tokens: answer.completionTokens },
    tokens: { input_tokens: answer.promptTokens + COHERE_TEMPLATE_TOKENS, output_tokens: answer.completionTokens },
  };
}

function cohereToolCall(name) {
  return { id: `${name}_${randomId("", 12).toLowerCase()}`, type: "function", function: { name, arguments: "{}" } };
}

function cohereResponse(answer) {
  const message = answer.toolName
    ? { role: "assistant", tool_plan: COHERE_PLAN, tool_calls: [cohereToolCall(answer.toolName)] }
    : { role: "assistant", content: [{ type: "text", text: answer.text }] };
  return { id: randomUUID(), message, finish_reason: COHERE_FINISH[answer.finish], usage: cohereUsage(answer) };
}

/** Named SSE events as recorded; the recording ends with a bare data: [DONE] after message-end. */
function cohereEvents(answer) {
  const event = (name, data) => `event: ${name}\ndata: ${JSON.stringify({ ...(name === "message-start" ? { id: randomUUID() } : {}), type: name, ...data })}\n\n`;
  const events = [event("message-start", { delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } } })];
  if (answer.toolName) {
    const { id, type, function: fn } = cohereToolCall(answer.toolName);
    events.push(
      event("tool-plan-delta", { delta: { message: { tool_plan: COHERE_PLAN } } }),
      event("tool-call-start", { index: 0, delta: { message: { tool_calls: { id, type, function: { name: fn.name, arguments: "" } } } } }),
      event("tool-call-delta", { index: 0, delta: { message: { tool_calls: { function: { arguments: fn.arguments } } } } }),
      event("tool-call-end", { index: 0 }),
    );
  } else {
    events.push(event("content-start", { index: 0, delta: { message: { content: { type: "text", text: "" } } } }));
    for (const text of textPieces(answer.text)) events.push(event("content-delta", { index: 0, delta: { message: { content: { text } } } }));
    events.push(event("content-end", { index: 0 }));
  }
  events.push(event("message-end", { delta: { finish_reason: COHERE_FINISH[answer.finish], usage: cohereUsage(answer) } }));
  return [...events, "data: [DONE]\n\n"];
}

// ---- Amazon Bedrock Converse ----

const BEDROCK_STOP = { stop: "end_turn", length: "max_tokens", tool: "tool_use" };
// [x-amzn-errortype class, message] by status.
const BEDROCK_ERRORS = {
  400: ["ValidationException", "Malformed input request, please reformat your input and try again."],
  403: ["AccessDeniedException", "You don't have access to the model with the specified model ID."],
  404: ["ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier."],
  408: ["ModelTimeoutException", "Model has timed out in processing the request. Try your request again."],
  429: ["ThrottlingException", "Too many requests, please wait before trying again."],
  500: ["InternalServerException", "The server encountered an internal error while processing the request."],
  503: ["ServiceUnavailableException", "Bedrock is unable to process your request."],
};
const BEDROCK_FIELDS = new Set(["messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig", "additionalModelRequestFields",
  "additionalModelResponseFieldPaths", "promptVariables", "requestMetadata", "performanceConfig"]);
const AWS_SIGNATURE = /^AWS4-HMAC-SHA256 Credential=([^/,]+)\/(\d{8})\/([a-z0-9-]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;  // AWS refuses signatures dated further off

/** /bedrock-runtime/{region}/model/{modelId}/converse[-stream]: the model and streaming are in the path (and the region the signature must name). */
function bedrockRoute(providerPath) {
  const match = /^\/bedrock-runtime\/([a-z0-9-]+)\/model\/([^/]+)\/(converse|converse-stream)$/.exec(providerPath);
  if (!match) return null;
  return { model: decodeURIComponent(match[2]), stream: match[3] === "converse-stream", region: match[1], modelPath: match[2] };
}

function validateBedrock(request) {
  const invalid = (message) => ({ status: 400, message });
  if (request === null || typeof request !== "object" || Array.isArray(request)) return invalid("Malformed input request, please reformat your input and try again.");
  for (const key of Object.keys(request)) {
    if (!BEDROCK_FIELDS.has(key)) return invalid(`Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
  }
  if (!Array.isArray(request.messages) || request.messages.length === 0) return invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
  for (const [i, m] of request.messages.entries()) {
    if ((m?.role !== "user" && m?.role !== "assistant") || !Array.isArray(m.content)) return invalid(`Malformed input request: messages[${i}] is not valid.`);
    if (i > 0 && request.messages[i - 1].role === m.role) return invalid("A conversation must alternate between user and assistant roles.");
  }
  if (request.messages[0].role !== "user") return invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
  return null;
}

/**
 * AWS SigV4 (header form, one pass, no query string) as AWS documents it: the path is encoded once
 * more for signing, every signed header is lower-cased and trimmed. Exported for the self-test.
 */
export function sigv4Signature({ method, host, path, region, service, body, amzDate, secretAccessKey, headers }) {
  const signed = Object.keys(headers).map((name) => name.toLowerCase()).filter((name) => name !== "host").concat("host").sort();
  const value = (name) => (name === "host" ? host : String(headers[name]).trim().replace(/\s+/g, " "));
  const canonicalUri = path.split("/").map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("/");
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const canonical = [method, canonicalUri, "", ...signed.map((name) => `${name}:${value(name)}`), "", signed.join(";"), sha256(body)].join("\n");
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key = `AWS4${secretAccessKey}`;
  for (const part of [amzDate.slice(0, 8), region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

/** A signature of the right form, dated now, for the path's region; checked in full when the emulator knows the credentials. */
function hasBedrockSignature(headers, { path, body, call, awsCredentials }) {
  const match = AWS_SIGNATURE.exec(headers.authorization ?? "");
  const amzDate = headers["x-amz-date"] ?? "";
  if (!match || !/^\d{8}T\d{6}Z$/.test(amzDate) || match[2] !== amzDate.slice(0, 8) || match[3] !== call.region) return false;
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(Date.now() - signedAt) > MAX_CLOCK_SKEW_MS) return false;
  if (!awsCredentials) return true;
  const [, accessKeyId, , , signedHeaders, signature] = match;
  if (accessKeyId !== awsCredentials.accessKeyId) return false;
  // AI Gateway forwards to the service's own host: that is the host the signature covers.
  const names = signedHeaders.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) return false;
  const signed = Object.fromEntries(names.filter((name) => name !== "host").map((name) => [name, headers[name] ?? ""]));
  const expected = sigv4Signature({
    method: "POST", host: `bedrock-runtime.${call.region}.amazonaws.com`, path: path.slice(`/bedrock-runtime/${call.region}`.length),
    region: call.region, service: "bedrock", body, amzDate, secretAccessKey: awsCredentials.secretAccessKey, headers: signed,
  });
  return expected === signature;
}

function bedrockUsage(answer) {
  return { inputTokens: answer.promptTokens, outputTokens: answer.completionTokens, totalTokens: answer.promptTokens + answer.completionTokens };
}

function bedrockToolUse(name) {
  return { toolUseId: `tooluse_${randomId("", 22)}`, name };
}

function bedrockResponse(answer) {
  const block = answer.toolName ? { toolUse: { ...bedrockToolUse(answer.toolName), input: {} } } : { text: answer.text };
  return { metrics: { latencyMs: 250 }, output: { message: { role: "assistant", content: [block] } }, stopReason: BEDROCK_STOP[answer.finish], usage: bedrockUsage(answer) };
}

/** One application/vnd.amazon.eventstream message: prelude, its CRC, string headers, payload, message CRC. */
export function eventStreamFrame(headers, payload) {
  const encodedHeaders = Buffer.concat(Object.entries(headers).map(([name, value]) => {
    const nameBytes = Buffer.from(name);
    const valueBytes = Buffer.from(value);
    const head = Buffer.alloc(1 + nameBytes.length + 3);
    head.writeUInt8(nameBytes.length, 0);
    nameBytes.copy(head, 1);
    head.writeUInt8(7, 1 + nameBytes.length);  // string
    head.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
    return Buffer.concat([head, valueBytes]);
  }));
  const body = Buffer.from(payload);
  const total = 12 + encodedHeaders.length + body.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(encodedHeaders.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, encodedHeaders, body, Buffer.alloc(4)]);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/** Binary frames in the recorded order; payloads carry a random-length "p" padding, as recorded. */
function bedrockFrames(answer) {
  const padding = () => ALPHANUMERIC.slice(0, 2 + (randomBytes(1)[0] % 50));
  const event = (type, payload) => eventStreamFrame({ ":event-type": type, ":content-type": "application/json", ":message-type": "event" }, JSON.stringify({ ...payload, p: padding() }));
  const frames = [event("messageStart", { role: "assistant" })];
  if (answer.toolName) {
    frames.push(
      event("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: bedrockToolUse(answer.toolName) } }),
      event("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "{}" } } }),
    );
  } else {
    for (const text of textPieces(answer.text)) frames.push(event("contentBlockDelta", { contentBlockIndex: 0, delta: { text } }));
  }
  frames.push(
    event("contentBlockStop", { contentBlockIndex: 0 }),
    event("messageStop", { stopReason: BEDROCK_STOP[answer.finish] }),
    event("metadata", { metrics: { latencyMs: 250 }, usage: bedrockUsage(answer) }),
  );
  return frames;
}

// ---- Google Gemini (generateContent) ----

const GEMINI_FINISH = { stop: "STOP", length: "MAX_TOKENS", tool: "STOP" };
// The model is in the path. The JSON-array form of streamGenerateContent (no alt=sse) is not
// emulated: llmroute never asks for it.
const GEMINI_PATH = /^\/(v1|v1beta)\/models\/([\w.-]+):(generateContent|streamGenerateContent)$/;
const GEMINI_FIELDS = new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent"]);
const GEMINI_CONFIG_FIELDS = new Set([
  "maxOutputTokens", "temperature", "topP", "topK", "stopSequences", "seed", "presencePenalty", "frequencyPenalty", "candidateCount",
  "responseMimeType", "responseSchema", "responseJsonSchema", "responseModalities", "thinkingConfig", "responseLogprobs", "logprobs",
]);
const GEMINI_SIGNATURE = /^emulator-thought:([\w.-]+):[0-9a-f]{16}$/;

// [status, message] by HTTP status; `{model}` is filled in from the path.
const GEMINI_ERRORS = {
  400: ["INVALID_ARGUMENT", "Request contains an invalid argument."],
  403: ["PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API key or other form of API consumer identity to call this API."],
  404: ["NOT_FOUND", "models/{model} is not found for API version v1beta, or is not supported for generateContent. Call ModelService.ListModels to see the list of available models and their supported methods."],
  429: ["RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."],
  500: ["INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"],
  503: ["UNAVAILABLE", "The service is currently unavailable."],
  504: ["DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
};
// A quota error asks the client to wait, in its details rather than in a retry-after header.
const GEMINI_RETRY_DELAY = "34s";

function geminiRoute(providerPath, query) {
  const match = GEMINI_PATH.exec(providerPath);
  if (!match) return null;
  const stream = match[3] === "streamGenerateContent";
  if (stream && query.get("alt") !== "sse") return null;
  return { model: match[2], stream };
}

function validateGemini(request, _headers, call) {
  const invalid = (message) => ({ status: 400, message });
  if (request === null || typeof request !== "object" || Array.isArray(request)) return invalid("Invalid JSON payload received. Unexpected token.");
  // Gemini refuses fields it does not know, by name.
  const unknown = Object.keys(request).find((key) => !GEMINI_FIELDS.has(key));
  if (unknown) return invalid(`Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`);
  const unknownConfig = Object.keys(request.generationConfig ?? {}).find((key) => !GEMINI_CONFIG_FIELDS.has(key));
  if (unknownConfig) return invalid(`Invalid JSON payload received. Unknown name "${unknownConfig}" at 'generation_config': Cannot find field.`);
  if (!Array.isArray(request.contents) || request.contents.length === 0) return invalid("* GenerateContentRequest.contents: contents is not specified\n");
  for (const [index, content] of request.contents.entries()) {
    if (content?.role !== undefined && content.role !== "user" && content.role !== "model") return invalid("Please use a valid role: user, model.");
    if (!Array.isArray(content?.parts) || content.parts.length === 0) {
      return invalid(`* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.\n`);
    }
  }
  if (/^gemini-3/.test(call.model)) return checkThoughtSignatures(request.contents);
  return null;
}

// Gemini 3 wants back, on the first call of each model turn of the current exchange (since the
// last user text), the signature it gave that call, unchanged.
function checkThoughtSignatures(contents) {
  const lastUserText = contents.findLastIndex((c) => c.role !== "model" && c.parts.some((p) => typeof p?.text === "string"));
  for (const content of contents.slice(lastUserText + 1)) {
    if (content.role !== "model") continue;
    const position = content.parts.findIndex((p) => p?.functionCall);
    if (position < 0) continue;
    const { functionCall, thoughtSignature } = content.parts[position];
    if (typeof thoughtSignature !== "string") {
      return {
        status: 400,
        message: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${functionCall.name}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      };
    }
    const signed = GEMINI_SIGNATURE.exec(Buffer.from(thoughtSignature, "base64").toString("utf8"));
    if (!signed || signed[1] !== functionCall.name) return { status: 400, message: "Corrupted thought signature." };
  }
  return null;
}

/** An opaque signature for a call, checkable later without state: base64 of a marked text. */
function geminiSignature(name) {
  return Buffer.from(`emulator-thought:${name}:${randomBytes(8).toString("hex")}`).toString("base64");
}

function geminiError(status, detail = {}) {
  const [code, message] = GEMINI_ERRORS[status] ?? [status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT", STATUS_CODES[status] ?? "Error"];
  const error = { code: status, message: detail.message ?? message.replace("{model}", detail.model ?? ""), status: code };
  if (status === 429) {
    error.details = [
      { "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: GEMINI_RETRY_DELAY },
    ];
  }
  return { error };
}

/** usageMetadata; `candidates` null while a stream has given no final count yet (as recorded). */
function geminiUsage(answer, model, candidates) {
  const thoughts = geminiThoughtTokens(model);
  return {
    promptTokenCount: answer.promptTokens,
    ...(candidates === null ? {} : { candidatesTokenCount: candidates }),
    totalTokenCount: answer.promptTokens + (candidates ?? 0) + thoughts,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: answer.promptTokens }],
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  };
}

function geminiCandidate(parts, finish) {
  return { content: { parts, role: "model" }, ...(finish ? { finishReason: GEMINI_FINISH[finish] } : {}), index: 0 };
}

function geminiToolPart(name) {
  return { functionCall: { name, args: {} }, thoughtSignature: geminiSignature(name) };
}

function geminiResponse(answer, model) {
  const parts = answer.toolName ? [geminiToolPart(answer.toolName)] : [{ text: answer.text }];
  return {
    candidates: [geminiCandidate(parts, answer.finish)],
    usageMetadata: geminiUsage(answer, model, answer.completionTokens),
    modelVersion: model,
    responseId: randomId("", 23),
  };
}

/** `data:` events separated by CRLF, each a whole response with only the new parts; no [DONE]. */
function geminiEvents(answer, model) {
  const responseId = randomId("", 23);
  const event = (parts, final) => ({
    candidates: [geminiCandidate(parts, final ? answer.finish : null)],
    usageMetadata: geminiUsage(answer, model, final ? answer.completionTokens : null),
    modelVersion: model,
    responseId,
  });
  const pieces = answer.toolName ? [] : textPieces(answer.text);
  const events = answer.toolName ? [event([geminiToolPart(answer.toolName)], false)] : pieces.map((text, i) => event([{ text }], i === pieces.length - 1));
  // As recorded after a call: the finish comes in an event of its own, with an empty text part.
  if (answer.toolName || pieces.length === 0) events.push(event([{ text: "" }], true));
  return events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`);
}

// ---- helpers ----

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** prefix + `length` random alphanumerics, like provider ids (chatcmpl-..., msg_01..., call_...). */
export function randomId(prefix, length) {
  let id = prefix;
  for (const byte of randomBytes(length)) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

/** Word-sized pieces ("Hello ", "from ", ...), the way a stream hands out text. */
function textPieces(text) {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function randomUuid() {
  const hex = randomBytes(16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}
