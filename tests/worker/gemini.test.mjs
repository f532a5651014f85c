// Gemini (google-ai-studio) behind the OpenAI-compatible endpoint: translated both ways, streaming
// and not, through the official openai client; tool calls whose thought signatures must survive the
// client's round trip; and Gemini's own error shapes sending the call to another target.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { estimateCompletionTokens, estimatePromptTokens, replyText, startEmulator } from "../emulator/emulator.mjs";
import { geminiThoughtTokens } from "../emulator/providers.mjs";
import { parseAttempts, startLlmroute, TEST_CLIENT_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

const OpenAI = createRequire(new URL("../../worker/package.json", import.meta.url))("openai").default;

const FLASH = "gemini-2.5-flash";
const PRO3 = "gemini-3-pro-preview";
const CONFIG = {
  version: 1,
  routes: {
    gemini: { targets: [{ model: `google-ai-studio/${FLASH}`, retry: { attempts: 2 } }, "openai/gpt-4o-mini"] },
    agent: { targets: [`google-ai-studio/${PRO3}`] },
  },
  direct_models: true,
  prices: {
    [`google-ai-studio/${FLASH}`]: { input: "0.30", output: "2.50", cached_input: "0.03" },
    "openai/gpt-4o-mini": { input: "0.15", output: "0.60" },
  },
};
const WEATHER_TOOL = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };

describe("google-ai-studio (Gemini) through llmroute", () => {
  let emulator;
  let llmroute;
  let client;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, GOOGLE_AI_STUDIO_API_KEY: TEST_SECRETS.GOOGLE_AI_STUDIO_API_KEY },
      config: CONFIG,
    });
    client = new OpenAI({ baseURL: `${llmroute.url}/v1`, apiKey: TEST_CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  test("a chat completion becomes generateContent and back, thoughts counted and priced", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gemini", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello Gemini" }], max_tokens: 200, seed: 3, user: "u-1" })
      .withResponse();
    const text = replyText("google-ai-studio", FLASH);
    assert.equal(data.object, "chat.completion");
    assert.equal(data.model, FLASH);
    assert.equal(data.choices[0].message.content, text);
    assert.equal(data.choices[0].finish_reason, "stop");
    assert.equal(response.headers.get("x-llmroute-provider"), "google-ai-studio");
    assert.equal(response.headers.get("x-llmroute-model"), FLASH);
    const [attempt] = parseAttempts(response.headers.get("x-llmroute-attempts"));
    assert.equal(attempt.dropped, "user");  // Gemini has no end-user field: dropped, and said so

    const sent = emulator.requests[0];
    assert.equal(sent.provider, "google-ai-studio");
    assert.equal(sent.path, `/v1beta/models/${FLASH}:generateContent`);
    assert.equal(sent.headers["x-goog-api-key"], TEST_SECRETS.GOOGLE_AI_STUDIO_API_KEY);
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.json, {
      contents: [{ role: "user", parts: [{ text: "Hello Gemini" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { maxOutputTokens: 200, seed: 3 },
    });

    // Thoughts are outside Gemini's candidate count and inside OpenAI's completion count.
    const thoughts = geminiThoughtTokens(FLASH);
    assert.equal(data.usage.prompt_tokens, estimatePromptTokens(sent.json));
    assert.equal(data.usage.completion_tokens, estimateCompletionTokens(text) + thoughts);
    assert.equal(data.usage.completion_tokens_details.reasoning_tokens, thoughts);
    assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
    // USD 0.30 / 2.50 per million tokens, rounded half up once.
    const pico = data.usage.prompt_tokens * 300_000 + data.usage.completion_tokens * 2_500_000;
    const micro = Math.floor(pico / 1e6) + (pico % 1e6 >= 5e5 ? 1 : 0);
    assert.equal(response.headers.get("x-llmroute-cost-status"), "measured");
    assert.equal(response.headers.get("x-llmroute-cost-usd"), `0.${String(micro).padStart(6, "0")}`);
  });

  test("tools: Gemini 3's thought signature survives the client's round trip in the tool call id", async () => {
    const messages = [{ role: "user", content: "What is the weather in Paris?" }];
    const first = await client.chat.completions.create({ model: "agent", messages, tools: [WEATHER_TOOL] });
    assert.equal(first.choices[0].finish_reason, "tool_calls");
    const message = first.choices[0].message;
    assert.equal(message.content, null);
    const [call] = message.tool_calls;
    assert.equal(call.type, "function");
    assert.equal(call.function.name, "get_weather");
    assert.equal(call.function.arguments, "{}");
    assert.match(call.id, /^call_0_ts_/);
    const declared = emulator.requests[0].json.tools[0].functionDeclarations[0];
    assert.deepEqual(declared, { name: "get_weather", parametersJsonSchema: WEATHER_TOOL.function.parameters });

    // The client sends the assistant message back as it got it, and the tool's result.
    messages.push(message, { role: "tool", tool_call_id: call.id, content: "Sunny, 21 C" });
    const second = await client.chat.completions.create({ model: "agent", messages, tools: [WEATHER_TOOL] });
    assert.equal(second.choices[0].finish_reason, "stop");
    assert.equal(second.choices[0].message.content, replyText("google-ai-studio", PRO3));
    const history = emulator.requests[1].json.contents;
    assert.deepEqual(history.map((c) => c.role), ["user", "model", "user"]);
    assert.deepEqual(history[1].parts, [{ functionCall: { name: "get_weather", args: {} }, thoughtSignature: call.id.slice("call_0_ts_".length) }]);
    assert.deepEqual(history[2].parts, [{ functionResponse: { name: "get_weather", response: { output: "Sunny, 21 C" } } }]);

    // Without the signature Gemini 3 refuses the history: llmroute passes that on as the client's error.
    messages[1] = { ...message, tool_calls: [{ ...call, id: "call_0" }] };
    messages[2] = { ...messages[2], tool_call_id: "call_0" };
    await assert.rejects(client.chat.completions.create({ model: "agent", messages, tools: [WEATHER_TOOL] }), (err) => {
      assert.equal(err.status, 400);
      assert.match(err.message, /thought_signature/);
      return true;
    });
  });

  test("streaming: Gemini's CRLF events become OpenAI chunks, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "gemini", messages: [{ role: "user", content: "Stream please" }], stream: true, stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      assert.equal(chunk.object, "chat.completion.chunk");
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, replyText("google-ai-studio", FLASH));
    assert.equal(finish, "stop");
    assert.equal(usage.completion_tokens, estimateCompletionTokens(text) + geminiThoughtTokens(FLASH));
    assert.equal(usage.completion_tokens_details.reasoning_tokens, geminiThoughtTokens(FLASH));
    assert.equal(emulator.requests[0].path, `/v1beta/models/${FLASH}:streamGenerateContent?alt=sse`);
    assert.equal(emulator.requests[0].json.stream, undefined);

    const calls = await client.chat.completions.create({
      model: "agent", messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_TOOL], stream: true,
    });
    const seen = [];
    for await (const chunk of calls) {
      for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
        seen[delta.index] ??= { id: "", name: "", arguments: "" };
        seen[delta.index].id += delta.id ?? "";
        seen[delta.index].name += delta.function?.name ?? "";
        seen[delta.index].arguments += delta.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, "tool_calls");
    assert.equal(seen.length, 1);
    assert.equal(seen[0].name, "get_weather");
    assert.equal(seen[0].arguments, "{}");
    assert.match(seen[0].id, /^call_0_ts_/);
  });

  test("Gemini's errors move the call on: quota with a long RetryInfo, a wrong key, an outage", async () => {
    // 429 RESOURCE_EXHAUSTED asking for 34 s (RetryInfo, no retry-after header): longer than we wait.
    emulator.addFault({ provider: "google-ai-studio", status: 429 });
    let res = await llmroute.chat({ model: "gemini", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    assert.equal((await res.json()).choices[0].message.content, replyText("openai", "gpt-4o-mini"));
    let attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual(attempts.map((a) => [a.target, a.status, a.reason]), [
      [`google-ai-studio/${FLASH}`, 429, "status_429_retry_after_too_long"], ["openai/gpt-4o-mini", 200, undefined]]);

    // A wrong key is a 400 on Gemini: still the target's fault, so the next target answers.
    const wrongKey = { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT",
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }] } };
    emulator.addFault({ provider: "google-ai-studio", status: 400, body: JSON.stringify(wrongKey) });
    res = await llmroute.chat({ model: "gemini", messages: [{ role: "user", content: "hi" }], stream: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    assert.match(await res.text(), /data: \[DONE\]/);
    attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual([attempts[0].outcome, attempts[0].status], ["target_error", 400]);

    // 503 UNAVAILABLE; with every target down the client hears of both.
    emulator.addFault({ status: 503, times: Infinity });
    res = await llmroute.chat({ model: "gemini", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 502);
    attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.equal(attempts[0].target, `google-ai-studio/${FLASH}`);
    assert.ok(attempts.every((a) => a.status === 503));
  });

  test("a request Gemini cannot serve skips it with the reason, before any call", async () => {
    const res = await llmroute.chat({ model: "gemini", messages: [{ role: "user", content: "hi" }], n: 2 });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    const [skipped] = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual([skipped.target, skipped.outcome, skipped.reason], [`google-ai-studio/${FLASH}`, "skipped", "unsupported_parameter"]);
    assert.deepEqual(emulator.requests.map((r) => r.provider), ["openai"]);

    const direct = await llmroute.chat({ model: `google-ai-studio/${FLASH}`, messages: [{ role: "user", content: "hi" }], reasoning_effort: "minimal" });
    assert.equal(direct.status, 400);
    const body = await direct.json();
    assert.equal(body.error.param, "reasoning_effort");
    assert.equal(body.error.code, "unsupported_parameter");
  });
});
