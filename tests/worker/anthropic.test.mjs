// Anthropic behind the OpenAI-compatible endpoint: translated both ways, streaming and not,
// through the official openai client, and as a fallback target for OpenAI.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { estimateCompletionTokens, replyText, startEmulator } from "../emulator/emulator.mjs";
import { parseAttempts, startLlmroute, TEST_CLIENT_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

const OpenAI = createRequire(new URL("../../worker/package.json", import.meta.url))("openai").default;

describe("anthropic through llmroute", () => {
  let emulator;
  let llmroute;
  let client;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, ANTHROPIC_API_KEY: TEST_SECRETS.ANTHROPIC_API_KEY },
    });
    client = new OpenAI({ baseURL: `${llmroute.url}/v1`, apiKey: TEST_CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  test("a chat completion is translated to Messages and back, and priced", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "claude", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello Claude" }], max_tokens: 200, seed: 3 })
      .withResponse();
    assert.equal(data.object, "chat.completion");
    assert.equal(data.choices[0].message.content, replyText("anthropic", "claude-haiku-4-5"));
    assert.equal(data.choices[0].finish_reason, "stop");
    assert.equal(response.headers.get("x-llmroute-provider"), "anthropic");
    assert.equal(response.headers.get("x-llmroute-cost-status"), "measured");
    // USD 1 / 5 per million tokens, rounded half up once.
    const pico = data.usage.prompt_tokens * 1_000_000 + data.usage.completion_tokens * 5_000_000;
    const micro = Math.floor(pico / 1e6) + (pico % 1e6 >= 5e5 ? 1 : 0);
    assert.equal(response.headers.get("x-llmroute-cost-usd"), `0.${String(micro).padStart(6, "0")}`);
    const [attempt] = parseAttempts(response.headers.get("x-llmroute-attempts"));
    assert.equal(attempt.dropped, "seed");  // Anthropic has no seed: dropped, and said so

    const sent = emulator.requests[0];
    assert.equal(sent.provider, "anthropic");
    assert.equal(sent.headers["x-api-key"], TEST_SECRETS.ANTHROPIC_API_KEY);
    assert.equal(sent.headers["anthropic-version"], "2023-06-01");
    assert.equal(sent.headers.authorization, undefined);
    assert.equal(sent.json.system, "Be brief.");
    assert.equal(sent.json.max_tokens, 200);
    assert.deepEqual(sent.json.messages, [{ role: "user", content: [{ type: "text", text: "Hello Claude" }] }]);
  });

  test("tools: the tool call comes back in OpenAI form", async () => {
    const completion = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    });
    const call = completion.choices[0].message.tool_calls[0];
    assert.equal(completion.choices[0].finish_reason, "tool_calls");
    assert.equal(call.type, "function");
    assert.equal(call.function.name, "get_weather");
    assert.equal(typeof call.function.arguments, "string");
    assert.equal(emulator.requests[0].json.tools[0].input_schema.properties.city.type, "string");
  });

  test("streaming: Anthropic events become OpenAI chunks, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "claude", messages: [{ role: "user", content: "Stream please" }], stream: true, stream_options: { include_usage: true },
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
    assert.equal(text, replyText("anthropic", "claude-haiku-4-5"));
    assert.equal(finish, "stop");
    assert.equal(usage.completion_tokens, estimateCompletionTokens(text));
    assert.equal(emulator.requests[0].json.stream, true);
  });

  test("OpenAI failing over to Anthropic, streamed and not", async () => {
    emulator.addFault({ provider: "openai", status: 503, times: Infinity });
    const res = await llmroute.chat({ model: "mixed", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "anthropic");
    assert.equal((await res.json()).choices[0].message.content, replyText("anthropic", "claude-haiku-4-5"));

    const stream = await client.chat.completions.create({ model: "mixed", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, replyText("anthropic", "claude-haiku-4-5"));
  });

  test("Anthropic's 529 overloaded falls back to OpenAI", async () => {
    emulator.addFault({ provider: "anthropic", status: 529, times: 2 });
    const res = await llmroute.chat({ model: "claude", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    const attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual(attempts.map((a) => [a.target, a.status]), [
      ["anthropic/claude-haiku-4-5", 529], ["anthropic/claude-haiku-4-5", 529], ["openai/gpt-4o-mini", 200]]);
  });

  test("a request Anthropic cannot serve skips it with the reason, before any call", async () => {
    const res = await llmroute.chat({ model: "claude", messages: [{ role: "user", content: "hi" }], temperature: 1.7 });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    const [skipped] = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual([skipped.target, skipped.outcome, skipped.reason], ["anthropic/claude-haiku-4-5", "skipped", "unsupported_parameter"]);
    assert.deepEqual(emulator.requests.map((r) => r.provider), ["openai"]);

    const only = await llmroute.chat({ model: "anthropic/claude-haiku-4-5", messages: [{ role: "user", content: "hi" }], n: 2 });
    assert.equal(only.status, 400);
    const body = await only.json();
    assert.equal(body.error.param, "n");
    assert.equal(body.error.code, "unsupported_parameter");
  });
});
