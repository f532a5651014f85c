// Cohere behind the OpenAI-compatible endpoint: translated to v2 chat and back, streaming and not,
// through the official openai client, and failing over to OpenAI.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { estimateCompletionTokens, estimatePromptTokens, replyText, startEmulator } from "../emulator/emulator.mjs";
import { parseAttempts, startLlmroute, TEST_CLIENT_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

const OpenAI = createRequire(new URL("../../worker/package.json", import.meta.url))("openai").default;

const COHERE_API_KEY = "co-test-key-5e21b9d4a7";
const MODEL = "command-a-03-2025";
const CONFIG = {
  version: 1,
  routes: {
    command: { targets: [{ model: `cohere/${MODEL}`, retry: { attempts: 1 } }, "openai/gpt-4o-mini"] },
  },
  prices: {
    [`cohere/${MODEL}`]: { input: "2.50", output: "10.00" },
    "openai/gpt-4o-mini": { input: "0.15", output: "0.60" },
  },
};

describe("cohere through llmroute", () => {
  let emulator;
  let llmroute;
  let client;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, COHERE_API_KEY },
      config: CONFIG,
    });
    client = new OpenAI({ baseURL: `${llmroute.url}/v1`, apiKey: TEST_CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  test("a chat completion is translated to v2 chat and back, and priced on billed units", async () => {
    const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello Cohere" }];
    const { data, response } = await client.chat.completions
      .create({ model: "command", messages, max_tokens: 200, top_p: 0.5, user: "u-1" })
      .withResponse();
    assert.equal(data.object, "chat.completion");
    assert.equal(data.model, MODEL);
    assert.equal(data.choices[0].message.content, replyText("cohere", MODEL));
    assert.equal(data.choices[0].finish_reason, "stop");
    const prompt = estimatePromptTokens({ messages });
    assert.equal(data.usage.prompt_tokens, prompt);  // billed units, not the processed tokens
    assert.equal(data.usage.completion_tokens, estimateCompletionTokens(replyText("cohere", MODEL)));
    assert.equal(response.headers.get("x-llmroute-provider"), "cohere");
    assert.equal(response.headers.get("x-llmroute-cost-status"), "measured");
    // USD 2.50 / 10 per million tokens, rounded half up once.
    const pico = data.usage.prompt_tokens * 2_500_000 + data.usage.completion_tokens * 10_000_000;
    const micro = Math.floor(pico / 1e6) + (pico % 1e6 >= 5e5 ? 1 : 0);
    assert.equal(response.headers.get("x-llmroute-cost-usd"), `0.${String(micro).padStart(6, "0")}`);
    const [attempt] = parseAttempts(response.headers.get("x-llmroute-attempts"));
    assert.equal(attempt.dropped, "user");

    const sent = emulator.requests[0];
    assert.equal(sent.provider, "cohere");
    assert.equal(sent.path, "/v2/chat");
    assert.equal(sent.headers.authorization, `Bearer ${COHERE_API_KEY}`);
    assert.deepEqual(sent.json, { model: MODEL, max_tokens: 200, p: 0.5, messages, stream: false });
  });

  test("tools: the plan and the call come back in OpenAI form", async () => {
    const completion = await client.chat.completions.create({
      model: "command",
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
      tool_choice: "required",
    });
    const message = completion.choices[0].message;
    assert.equal(completion.choices[0].finish_reason, "tool_calls");
    assert.equal(typeof message.content, "string");  // Cohere's tool_plan
    assert.equal(message.tool_calls[0].function.name, "get_weather");
    assert.equal(message.tool_calls[0].function.arguments, "{}");
    assert.equal(emulator.requests[0].json.tool_choice, "REQUIRED");
    assert.equal(emulator.requests[0].json.tools[0].function.parameters.properties.city.type, "string");
  });

  test("streaming: Cohere events become OpenAI chunks, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "command", messages: [{ role: "user", content: "Stream please" }], stream: true, stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      assert.equal(chunk.object, "chat.completion.chunk");
      assert.equal(chunk.model, MODEL);
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, replyText("cohere", MODEL));
    assert.equal(finish, "stop");
    assert.equal(usage.completion_tokens, estimateCompletionTokens(text));
    assert.equal(emulator.requests[0].json.stream, true);
  });

  test("Cohere's 429 falls back to OpenAI, streamed and not", async () => {
    emulator.addFault({ provider: "cohere", status: 429, times: 2 });
    const res = await llmroute.chat({ model: "command", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.status]), [
      [`cohere/${MODEL}`, 429], ["openai/gpt-4o-mini", 200]]);

    const stream = await client.chat.completions.create({ model: "command", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, replyText("openai", "gpt-4o-mini"));
  });

  test("a request Cohere cannot serve skips it with the reason", async () => {
    const res = await llmroute.chat({ model: "command", messages: [{ role: "user", content: "hi" }], temperature: 1.5 });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    const [skipped] = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual([skipped.target, skipped.outcome, skipped.reason], [`cohere/${MODEL}`, "skipped", "unsupported_parameter"]);
    assert.deepEqual(emulator.requests.map((r) => r.provider), ["openai"]);
  });
});
