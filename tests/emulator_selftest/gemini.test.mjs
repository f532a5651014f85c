// Self-test of the emulator's Google AI Studio (Gemini generateContent) entry, with plain fetch.

import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, replyText, estimatePromptTokens, estimateCompletionTokens } from "../emulator/emulator.mjs";
import { geminiThoughtTokens } from "../emulator/providers.mjs";

const KEY = "AIza-selftest-gemini-7d1e";
const HEADERS = { "x-goog-api-key": KEY };
const REQUEST = {
  systemInstruction: { parts: [{ text: "Be brief." }] },
  contents: [{ role: "user", parts: [{ text: "Say hello." }] }],
};
const TOOLS = [{ functionDeclarations: [{ name: "get_country", parametersJsonSchema: { type: "object", properties: {} } }] }];

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());
beforeEach(() => emu.reset());

const url = (model, method = "generateContent", query = "") => `${emu.url}/google-ai-studio/v1beta/models/${model}:${method}${query}`;
function gemini(model, body, { headers = HEADERS, stream = false } = {}) {
  const target = stream ? url(model, "streamGenerateContent", "?alt=sse") : url(model);
  return fetch(target, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

/** Splits a Gemini SSE body (CRLF-separated events) into parsed data objects. */
function events(text) {
  assert.ok(text.endsWith("\r\n\r\n"), "events end with CRLF CRLF");
  return text.split("\r\n\r\n").filter((block) => block !== "").map((block) => {
    assert.ok(block.startsWith("data: "), block);
    return JSON.parse(block.slice(6));
  });
}

test("gemini: response shape, model from the path, usage with thoughts, request log", async () => {
  const res = await gemini("gemini-2.5-flash", REQUEST);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  const body = await res.json();
  const text = replyText("google-ai-studio", "gemini-2.5-flash");
  assert.deepEqual(body.candidates, [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }]);
  assert.equal(body.modelVersion, "gemini-2.5-flash");
  assert.match(body.responseId, /^\w{23}$/);
  const prompt = estimatePromptTokens(REQUEST);
  assert.equal(prompt, Math.ceil("Be brief.Say hello.".length / 4) + 4);
  const thoughts = geminiThoughtTokens("gemini-2.5-flash");
  assert.equal(thoughts, 21);
  assert.deepEqual(body.usageMetadata, {
    promptTokenCount: prompt,
    candidatesTokenCount: estimateCompletionTokens(text),
    totalTokenCount: prompt + estimateCompletionTokens(text) + thoughts,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
    thoughtsTokenCount: thoughts,
  });

  const [logged] = emu.requests;
  assert.equal(logged.provider, "google-ai-studio");
  assert.equal(logged.path, "/v1beta/models/gemini-2.5-flash:generateContent");
  assert.equal(logged.headers["x-goog-api-key"], KEY);
  assert.deepEqual(logged.json, REQUEST);

  const older = await (await gemini("gemini-2.0-flash", { ...REQUEST, generationConfig: { maxOutputTokens: 2 } })).json();
  assert.equal(older.candidates[0].finishReason, "MAX_TOKENS");
  assert.equal(older.candidates[0].content.parts[0].text, replyText("google-ai-studio", "gemini-2.0-flash").slice(0, 8));
  assert.equal(older.usageMetadata.thoughtsTokenCount, undefined, "no thoughts from a model that does not think");
  const v1 = await fetch(`${emu.url}/google-ai-studio/v1/models/gemini-2.0-flash:generateContent`, { method: "POST", headers: HEADERS, body: JSON.stringify(REQUEST) });
  assert.equal(v1.status, 200);
});

test("gemini: function calls carry a thought signature that Gemini 3 wants back unchanged", async () => {
  const call = await (await gemini("gemini-3-pro-preview", { ...REQUEST, tools: TOOLS })).json();
  const [part] = call.candidates[0].content.parts;
  assert.deepEqual(part.functionCall, { name: "get_country", args: {} });
  assert.equal(typeof part.thoughtSignature, "string");
  assert.equal(call.candidates[0].finishReason, "STOP");

  const followUp = (modelPart) => ({
    ...REQUEST,
    tools: TOOLS,
    contents: [...REQUEST.contents, { role: "model", parts: [modelPart] }, { role: "user", parts: [{ functionResponse: { name: "get_country", response: { output: "Mexico" } } }] }],
  });
  const answered = await (await gemini("gemini-3-pro-preview", followUp(part))).json();
  assert.equal(answered.candidates[0].content.parts[0].text, replyText("google-ai-studio", "gemini-3-pro-preview"));

  const unsigned = await gemini("gemini-3-pro-preview", followUp({ functionCall: part.functionCall }));
  assert.equal(unsigned.status, 400);
  const error = (await unsigned.json()).error;
  assert.equal(error.status, "INVALID_ARGUMENT");
  assert.match(error.message, /missing a thought_signature.*default_api:get_country/);
  const corrupted = await gemini("gemini-3-pro-preview", followUp({ ...part, thoughtSignature: "bm90IG91cnM=" }));
  assert.equal((await corrupted.json()).error.message, "Corrupted thought signature.");
  // Older models do not check.
  assert.equal((await gemini("gemini-2.5-flash", followUp({ functionCall: part.functionCall }))).status, 200);
});

test("gemini stream: CRLF events with only new parts, running usage, finish in the last, no [DONE]", async () => {
  const res = await gemini("gemini-2.5-flash", REQUEST, { stream: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/event-stream/);
  const data = events(await res.text());
  assert.ok(data.length >= 4);
  const text = data.map((d) => d.candidates[0].content.parts.map((p) => p.text).join("")).join("");
  assert.equal(text, replyText("google-ai-studio", "gemini-2.5-flash"));
  assert.ok(data.slice(0, -1).every((d) => d.candidates[0].finishReason === undefined && d.usageMetadata.candidatesTokenCount === undefined));
  assert.ok(data.every((d) => d.responseId === data[0].responseId && d.modelVersion === "gemini-2.5-flash"));
  assert.equal(data.at(-1).candidates[0].finishReason, "STOP");
  assert.equal(data.at(-1).usageMetadata.candidatesTokenCount, estimateCompletionTokens(text));

  const tool = events(await (await gemini("gemini-3-pro-preview", { ...REQUEST, tools: TOOLS }, { stream: true })).text());
  assert.equal(tool.length, 2);
  assert.equal(tool[0].candidates[0].content.parts[0].functionCall.name, "get_country");
  assert.equal(typeof tool[0].candidates[0].content.parts[0].thoughtSignature, "string");
  assert.deepEqual(tool[1].candidates[0].content.parts, [{ text: "" }]);
  assert.equal(tool[1].candidates[0].finishReason, "STOP");
});

test("gemini: missing key, unknown fields, bad contents and routing", async () => {
  const noKey = await gemini("gemini-2.5-flash", REQUEST, { headers: {} });
  assert.equal(noKey.status, 403);
  const denied = (await noKey.json()).error;
  assert.equal(denied.code, 403);
  assert.equal(denied.status, "PERMISSION_DENIED");

  for (const [body, pattern] of [
    [{ ...REQUEST, messages: [] }, /Unknown name "messages"/],
    [{ ...REQUEST, generationConfig: { max_tokens: 3 } }, /Unknown name "max_tokens" at 'generation_config'/],
    [{ contents: [] }, /contents is not specified/],
    [{ contents: [{ role: "assistant", parts: [{ text: "x" }] }] }, /valid role: user, model/],
    [{ contents: [{ role: "user", parts: [] }] }, /parts must not be empty/],
    ["{not json", /Invalid JSON payload/],
  ]) {
    const res = await gemini("gemini-2.5-flash", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    assert.equal(error.status, "INVALID_ARGUMENT");
    assert.match(error.message, pattern);
  }

  for (const target of [url("gemini-2.5-flash", "streamGenerateContent"), url("gemini-2.5-flash", "countTokens"), `${emu.url}/google-ai-studio/v1beta/chat/completions`]) {
    const res = await fetch(target, { method: "POST", headers: HEADERS, body: JSON.stringify(REQUEST) });
    assert.equal(res.status, 404, target);
    assert.equal((await res.json()).name, "AiGatewayError");
  }
});

test("gemini faults: error envelopes by status, RetryInfo on 429, matched by the model in the path", async () => {
  emu.addFault({ provider: "google-ai-studio", model: "gemini-2.5-pro", status: 429 });
  const other = await gemini("gemini-2.5-flash", REQUEST);
  assert.equal(other.status, 200, "the rule names another model");
  const limited = await gemini("gemini-2.5-pro", REQUEST);
  assert.equal(limited.status, 429);
  const { error } = await limited.json();
  assert.equal(error.status, "RESOURCE_EXHAUSTED");
  assert.deepEqual(error.details.at(-1), { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "34s" });

  emu.addFault({ status: 503 });
  assert.deepEqual(await (await gemini("gemini-2.5-flash", REQUEST)).json(), {
    error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" },
  });
  emu.addFault({ status: 404 });
  assert.match((await (await gemini("gemini-9", REQUEST)).json()).error.message, /^models\/gemini-9 is not found for API version v1beta/);

  emu.addFault({ kind: "truncate", afterEvents: 1 });
  const cut = await gemini("gemini-2.5-flash", REQUEST, { stream: true });
  await assert.rejects(cut.text());
});
