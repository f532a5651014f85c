// What each emulated provider looks like on the wire: one table entry per provider.
//
// An entry knows its route under the gateway (which paths it serves, and where
// the model and the wish to stream are said: the body, or for Gemini the path),
// how its auth header looks, how it rejects a bad request, and how it writes
// answers, streams and errors. The
// answer itself (text or tool call, token counts, finish reason) is decided
// once by buildAnswer(), so every provider says the same thing in its own shape.
// Body shapes follow the recordings described in shared/fixtures/README.md.

import { STATUS_CODES } from "node:http";
import { randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";

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
  if (plan.toolName) {
    return { text: "", toolName: plan.toolName, finish: "tool", promptTokens, completionTokens: estimateCompletionTokens(`${plan.toolName}{}`) };
  }
  let text = replyText(provider, model);
  let finish = "stop";
  if (Number.isInteger(plan.maxTokens) && plan.maxTokens >= 0 && estimateCompletionTokens(text) > plan.maxTokens) {
    text = text.slice(0, plan.maxTokens * 4);
    finish = "length";
  }
  return { text, toolName: null, finish, promptTokens, completionTokens: estimateCompletionTokens(text) };
}

// ---- the provider table ----

export const PROVIDERS = {
  openai: {
    route: bodyRoute("/chat/completions"),
    authHeader: "authorization",
    requestIdHeader: "x-request-id",
    newRequestId: () => `req_${randomBytes(16).toString("hex")}`,
    hasCredentials: (headers) => /^Bearer\s+\S/i.test(headers.authorization ?? ""),
    validate: validateOpenAi,
    plan(request) {
      const last = request.messages.at(-1);
      const tool = Array.isArray(request.tools) && last?.role === "user" ? request.tools[0]?.function?.name : null;
      return { toolName: typeof tool === "string" ? tool : null, maxTokens: request.max_completion_tokens ?? request.max_tokens ?? null };
    },
    success: openAiCompletion,
    streamEvents: openAiChunks,
    errorBody: openAiError,
  },
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
  "google-ai-studio": {
    route: geminiRoute,
    authHeader: "x-goog-api-key",
    requestIdHeader: null,  // Gemini names its answers in the body (responseId), not in a header
    hasCredentials: (headers) => (headers["x-goog-api-key"] ?? "").trim() !== "",
    missingKeyStatus: 403,
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
};

/** The route of providers whose path is fixed and whose body names the model and asks for a stream. */
function bodyRoute(path) {
  return (providerPath, _query, request) => (providerPath === path ? { model: request?.model, stream: request?.stream === true } : null);
}

// ---- OpenAI Chat Completions ----

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

function openAiUsage(answer) {
  return {
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.completionTokens,
    total_tokens: answer.promptTokens + answer.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function openAiCompletion(answer, model) {
  const message = answer.toolName
    ? { role: "assistant", content: null, tool_calls: [openAiToolCall(answer.toolName)], refusal: null, annotations: [] }
    : { role: "assistant", content: answer.text, refusal: null, annotations: [] };
  return {
    id: randomId("chatcmpl-", 29),
    object: "chat.completion",
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: OPENAI_FINISH[answer.finish] }],
    usage: openAiUsage(answer),
    service_tier: "default",
    system_fingerprint: OPENAI_FINGERPRINT,
  };
}

function openAiToolCall(name) {
  return { id: randomId("call_", 24), type: "function", function: { name, arguments: "{}" } };
}

/** `data:` frames of a chat.completion.chunk stream, ending with [DONE]. */
function openAiChunks(answer, model, request) {
  const includeUsage = request.stream_options?.include_usage === true;
  const base = { id: randomId("chatcmpl-", 29), object: "chat.completion.chunk", created: nowSeconds(), model, service_tier: "default", system_fingerprint: OPENAI_FINGERPRINT };
  const chunk = (delta, finishReason = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks = [];
  if (answer.toolName) {
    // Like the recording: the first fragment names the call, later ones append to `arguments`.
    const { id, type, function: fn } = openAiToolCall(answer.toolName);
    chunks.push(chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id, type, function: { name: fn.name, arguments: "" } }], refusal: null }));
    chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: fn.arguments } }] }));
  } else {
    chunks.push(chunk({ role: "assistant", content: "", refusal: null }));
    for (const piece of textPieces(answer.text)) chunks.push(chunk({ content: piece }));
  }
  chunks.push(chunk({}, OPENAI_FINISH[answer.finish]));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: openAiUsage(answer) });
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"];
}

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

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}
