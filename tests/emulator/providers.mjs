// What each emulated provider looks like on the wire: one table entry per provider.
//
// An entry knows its path under the gateway, how its auth header looks, how it
// rejects a bad request, and how it writes answers, streams and errors. The
// answer itself (text or tool call, token counts, finish reason) is decided
// once by buildAnswer(), so every provider says the same thing in its own shape.
// Body shapes follow the recordings described in shared/fixtures/README.md.

import { STATUS_CODES } from "node:http";
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
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
 * Prompt tokens for a parsed request body (OpenAI or Anthropic):
 * ceil(characters of all message text, plus an Anthropic top-level `system`, / 4) + 4 per message.
 */
export function estimatePromptTokens(request) {
  const messages = Array.isArray(request?.messages) ? request.messages : [];
  const chars = messages.reduce((sum, m) => sum + textOf(m?.content).length, textOf(request?.system).length);
  return Math.ceil(chars / 4) + 4 * messages.length;
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
export function buildAnswer(provider, request, plan) {
  const promptTokens = estimatePromptTokens(request);
  if (plan.toolName) {
    return { text: "", toolName: plan.toolName, finish: "tool", promptTokens, completionTokens: estimateCompletionTokens(`${plan.toolName}{}`) };
  }
  let text = replyText(provider, request.model);
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
    path: "/chat/completions",
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
    path: "/v1/messages",
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
  cohere: {
    path: "/v2/chat",
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
    // /bedrock-runtime/{region}/model/{modelId}/converse[-stream]: the model and streaming are in the path.
    route(providerPath) {
      const match = /^\/bedrock-runtime\/([a-z0-9-]+)\/model\/([^/]+)\/(converse|converse-stream)$/.exec(providerPath);
      if (!match) return null;
      return { region: match[1], modelPath: match[2], model: decodeURIComponent(match[2]), stream: match[3] === "converse-stream" };
    },
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
function hasBedrockSignature(headers, { path, body, route, awsCredentials }) {
  const match = AWS_SIGNATURE.exec(headers.authorization ?? "");
  const amzDate = headers["x-amz-date"] ?? "";
  if (!match || !/^\d{8}T\d{6}Z$/.test(amzDate) || match[2] !== amzDate.slice(0, 8) || match[3] !== route.region) return false;
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
    method: "POST", host: `bedrock-runtime.${route.region}.amazonaws.com`, path: path.slice(`/bedrock-runtime/${route.region}`.length),
    region: route.region, service: "bedrock", body, amzDate, secretAccessKey: awsCredentials.secretAccessKey, headers: signed,
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
