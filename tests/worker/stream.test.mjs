// Streamed chat completions through the Worker in workerd: relayed chunk by chunk, usage when
// asked for, fallback before the first byte, an error event after it.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { startEmulator, replyText } from "../emulator/emulator.mjs";
import { parseAttempts, startLlmroute, TEST_CLIENT_KEY } from "../support/worker_harness.mjs";

const OpenAI = createRequire(new URL("../../worker/package.json", import.meta.url))("openai").default;

const messages = [{ role: "user", content: "Stream me a greeting." }];

/** Reads an SSE body into its data payloads. */
async function sseData(res) {
  const text = await res.text();
  return text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
}

describe("streaming", () => {
  let emulator;
  let llmroute;
  let client;
  before(async () => {
    emulator = await startEmulator();
    llmroute = await startLlmroute({ gatewayUrl: emulator.url });
    client = new OpenAI({ baseURL: `${llmroute.url}/v1`, apiKey: TEST_CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  test("the openai client streams an answer, with the usage chunk it asked for", async () => {
    const stream = await client.chat.completions.create({ model: "chat", messages, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) text += chunk.choices[0].delta.content;
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, replyText("openai", "gpt-4o-mini"));
    assert.equal(finish, "stop");
    assert.ok(usage?.prompt_tokens > 0 && usage.completion_tokens > 0);
    // llmroute asked the provider for usage itself.
    assert.equal(emulator.requests[0].json.stream_options.include_usage, true);
  });

  test("without include_usage the client gets no usage chunk, but llmroute still asked for one", async () => {
    const res = await llmroute.chat({ model: "chat", messages, stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/event-stream/);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o-mini");
    const data = await sseData(res);
    assert.equal(data.at(-1), "[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
    assert.ok(chunks.every((c) => !c.usage), "no usage reaches the client");
    assert.equal(emulator.requests[0].json.stream_options.include_usage, true);
  });

  test("a stream cut before its first event falls back to the next try", async () => {
    emulator.addFault({ model: "gpt-4o-mini", kind: "truncate", afterEvents: 0 });
    emulator.addFault({ model: "gpt-4o-mini", status: 503 });
    const res = await llmroute.chat({ model: "chat", messages, stream: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-model"), "gpt-4o");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => a.outcome), ["network_error", "retryable_error", "ok"]);
    const data = await sseData(res);
    assert.equal(data.at(-1), "[DONE]");
  });

  test("a stream cut after the first bytes ends with an error event, and the openai client throws", async () => {
    emulator.addFault({ model: "gpt-4o-mini", kind: "truncate", afterEvents: 2 });
    const res = await llmroute.chat({ model: "chat", messages, stream: true });
    assert.equal(res.status, 200);
    const data = await sseData(res);
    assert.notEqual(data.at(-1), "[DONE]");
    const last = JSON.parse(data.at(-1));
    assert.equal(last.error.code, "upstream_disconnected");
    assert.equal(emulator.requests.length, 1, "no fallback once the client has bytes");

    emulator.addFault({ model: "gpt-4o-mini", kind: "truncate", afterEvents: 2 });
    const stream = await client.chat.completions.create({ model: "chat", messages, stream: true });
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    }, /stream broke off/);
  });

  test("a stream that stalls past the attempt timeout ends with a timeout error event", async () => {
    const stalled = await startLlmroute({
      gatewayUrl: emulator.url,
      config: { routes: { quick: { targets: [{ model: "openai/gpt-4o-mini", timeout_ms: 400, retry: { attempts: 1 } }] } } },
    });
    try {
      emulator.addFault({ model: "gpt-4o-mini", kind: "hang" });
      const res = await stalled.chat({ model: "quick", messages, stream: true });
      assert.equal(res.status, 504);  // nothing came at all: a plain error answer
      assert.equal((await res.json()).error.code, "upstream_timeout");
    } finally {
      await stalled.dispose();
    }
  });
});
