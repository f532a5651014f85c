// The providers that speak OpenAI's dialect (Groq, Mistral, DeepSeek, xAI, OpenRouter, Perplexity,
// Azure OpenAI, Workers AI) behind the Worker, through the official openai client: each answers
// in OpenAI's exact shape, streamed and not, with usage in our convention and priced; each one's
// own error status falls back to another target.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { estimateCompletionTokens, estimatePromptTokens, replyText, startEmulator } from "../emulator/emulator.mjs";
import { REASONING_TEXT } from "../emulator/providers.mjs";
import { parseAttempts, startLlmroute, TEST_CLIENT_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

const OpenAI = createRequire(new URL("../../worker/package.json", import.meta.url))("openai").default;

// slug -> its target, the secret its key needs (with a distinctive test value), how the key is
// sent, the model the emulator answers as, whether it reasons first, and an error status of its own.
const DIALECTS = {
  groq: { target: "groq/llama-3.1-8b-instant", secret: "GROQ_API_KEY", path: "/groq/chat/completions", fault: 503 },
  mistral: { target: "mistral/mistral-small-latest", secret: "MISTRAL_API_KEY", path: "/mistral/v1/chat/completions", fault: 429 },
  deepseek: { target: "deepseek/deepseek-reasoner", secret: "DEEPSEEK_API_KEY", path: "/deepseek/chat/completions", reasons: true, fault: 503 },
  grok: { target: "grok/grok-3-mini", secret: "XAI_API_KEY", path: "/grok/v1/chat/completions", reasons: true, fault: 429 },
  openrouter: { target: "openrouter/openai/gpt-4o-mini", secret: "OPENROUTER_API_KEY", path: "/openrouter/v1/chat/completions", fault: 429 },
  "perplexity-ai": { target: "perplexity-ai/sonar", secret: "PERPLEXITY_API_KEY", path: "/perplexity-ai/chat/completions", noTools: true, fault: 500 },
  "azure-openai": {
    target: "azure-openai/contoso/gpt4o-prod", secret: "AZURE_OPENAI_API_KEY", header: "api-key", answersAs: "gpt4o-prod",
    path: "/azure-openai/contoso/gpt4o-prod/chat/completions?api-version=2024-10-21", fault: 404,
  },
  "workers-ai": { target: "workers-ai/@cf/meta/llama-3.1-8b-instruct", secret: "WORKERS_AI_API_TOKEN", path: "/workers-ai/v1/chat/completions", fault: 429 },
};
for (const [slug, d] of Object.entries(DIALECTS)) {
  d.model = d.target.slice(slug.length + 1);
  d.answersAs ??= d.model;
  d.key = `test-key-${slug}-5e1d9c`;
}

// USD 1 per million prompt tokens, 3 per million completion tokens, for every target.
const PRICE = { input: "1", output: "3" };
const config = {
  routes: Object.fromEntries(Object.entries(DIALECTS).flatMap(([slug, d]) => [
    [slug, { targets: [d.target] }],
    [`${slug}-fallback`, { targets: [{ model: d.target, retry: { attempts: 1 } }, "openai/gpt-4o-mini"] }],
  ])),
  prices: { ...Object.fromEntries(Object.values(DIALECTS).map((d) => [d.target, PRICE])), "openai/gpt-4o-mini": { input: "0.15", output: "0.60" } },
};

/** Expected cost in USD text: exact product, rounded half up once to micro-dollars. */
function expectedCost(usage) {
  const pico = BigInt(usage.prompt_tokens) * 1_000_000n + BigInt(usage.completion_tokens) * 3_000_000n;
  const micro = pico / 1_000_000n + (pico % 1_000_000n >= 500_000n ? 1n : 0n);
  return `${micro / 1_000_000n}.${(micro % 1_000_000n).toString().padStart(6, "0")}`;
}

/** Completion tokens in our convention: the text, and any reasoning counted in. */
function expectedCompletion(d, text) {
  return estimateCompletionTokens(text) + (d.reasons ? estimateCompletionTokens(REASONING_TEXT) : 0);
}

const TOOLS = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];

describe("OpenAI-dialect providers through llmroute", () => {
  let emulator;
  let llmroute;
  let client;
  before(async () => {
    emulator = await startEmulator();
    const secrets = { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, ...Object.fromEntries(Object.values(DIALECTS).map((d) => [d.secret, d.key])) };
    llmroute = await startLlmroute({ gatewayUrl: emulator.url, secrets, config });
    client = new OpenAI({ baseURL: `${llmroute.url}/v1`, apiKey: TEST_CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  for (const [slug, d] of Object.entries(DIALECTS)) {
    test(`${slug}: a chat completion in OpenAI's shape, its key sent its way, priced`, async () => {
      const messages = [{ role: "developer", content: "Be brief." }, { role: "user", content: `Hello ${slug}` }];
      const { data, response } = await client.chat.completions.create({ model: slug, messages, max_completion_tokens: 300 }).withResponse();
      const text = replyText(slug, d.answersAs);
      assert.equal(data.object, "chat.completion");
      assert.equal(data.choices[0].message.role, "assistant");
      assert.equal(data.choices[0].message.content, text);
      assert.equal(data.choices[0].finish_reason, "stop");
      assert.equal(response.headers.get("x-llmroute-provider"), slug);
      assert.equal(response.headers.get("x-llmroute-model"), d.model);
      assert.equal(data.usage.completion_tokens, expectedCompletion(d, text));
      assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
      if (d.reasons) {
        assert.equal(data.choices[0].message.reasoning_content, REASONING_TEXT);
        assert.equal(data.usage.completion_tokens_details.reasoning_tokens, estimateCompletionTokens(REASONING_TEXT));
      }
      assert.equal(response.headers.get("x-llmroute-cost-status"), "measured");
      assert.equal(response.headers.get("x-llmroute-cost-usd"), expectedCost(data.usage));

      const [sent] = emulator.requests;
      assert.equal(sent.provider, slug);
      assert.equal(sent.url, `/v1/emu-account/emu-gateway${d.path}`);
      if (d.header) {
        assert.equal(sent.headers[d.header], d.key);
        assert.equal(sent.headers.authorization, undefined);
      } else {
        assert.equal(sent.headers.authorization, `Bearer ${d.key}`);
      }
      assert.equal(sent.json.model, d.answersAs);
      assert.equal(sent.json.messages[0].role, "system");  // none of these takes developer turns
      assert.equal(data.usage.prompt_tokens, estimatePromptTokens(sent.json));
    });

    test(`${slug}: streamed, chunk by chunk, with the usage chunk when asked`, async () => {
      const stream = await client.chat.completions.create({
        model: slug, messages: [{ role: "user", content: `Stream, ${slug}` }], stream: true, stream_options: { include_usage: true },
      });
      let text = "";
      let reasoning = "";
      let finish = null;
      const usages = [];
      for await (const chunk of stream) {
        assert.equal(chunk.object, "chat.completion.chunk");
        assert.equal(typeof chunk.id, "string");
        if (chunk.usage) {
          assert.deepEqual(chunk.choices, []);
          usages.push(chunk.usage);
        }
        text += chunk.choices[0]?.delta?.content ?? "";
        reasoning += chunk.choices[0]?.delta?.reasoning_content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(text, replyText(slug, d.answersAs));
      assert.equal(reasoning, d.reasons ? REASONING_TEXT : "");
      assert.equal(finish, "stop");
      assert.equal(usages.length, 1);
      assert.equal(usages[0].completion_tokens, expectedCompletion(d, text));
      assert.equal(emulator.requests[0].json.stream, true);

      // Not asked: no usage chunk, though the provider's usage was still read for the price.
      const plain = await client.chat.completions.create({ model: slug, messages: [{ role: "user", content: "again" }], stream: true });
      for await (const chunk of plain) assert.ok(!chunk.usage, JSON.stringify(chunk));
    });

    if (!d.noTools) {
      test(`${slug}: a streamed tool call, joined by the openai client`, async () => {
        const runner = client.chat.completions.stream({ model: slug, messages: [{ role: "user", content: "Weather in Paris?" }], tools: TOOLS });
        const completion = await runner.finalChatCompletion();  // refuses a stream without role or finish_reason
        const choice = completion.choices[0];
        assert.equal(choice.finish_reason, "tool_calls");
        assert.equal(choice.message.tool_calls.length, 1);
        const [call] = choice.message.tool_calls;
        assert.equal(call.type, "function");
        assert.equal(call.function.name, "get_weather");
        assert.equal(call.function.arguments, "{}");
        assert.ok(call.id.length > 0);
      });
    }

    test(`${slug}: its ${d.fault} falls back to the next target`, async () => {
      emulator.addFault({ provider: slug, status: d.fault });
      const res = await llmroute.chat({ model: `${slug}-fallback`, messages: [{ role: "user", content: "hi" }] });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-llmroute-provider"), "openai");
      assert.equal((await res.json()).choices[0].message.content, replyText("openai", "gpt-4o-mini"));
      const attempts = parseAttempts(res.headers.get("x-llmroute-attempts"));
      assert.deepEqual(attempts.map((a) => [a.target, a.status]), [[d.target, d.fault], ["openai/gpt-4o-mini", 200]]);
    });
  }

  test("perplexity-ai cannot take tools: skipped with the reason, before any call", async () => {
    const res = await llmroute.chat({ model: "perplexity-ai-fallback", messages: [{ role: "user", content: "hi" }], tools: TOOLS });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    const [skipped] = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.deepEqual([skipped.target, skipped.outcome, skipped.reason], ["perplexity-ai/sonar", "skipped", "unsupported_parameter"]);
    assert.deepEqual(emulator.requests.map((r) => r.provider), ["openai"]);
  });

  test("mistral gets only the fields it accepts, and says what was left out", async () => {
    const res = await llmroute.chat({ model: "mistral", messages: [{ role: "user", content: "hi", name: "ann" }], user: "u-1", seed: 7, store: false });
    assert.equal(res.status, 200);  // the emulated Mistral answers 422 to any field it does not know
    const [attempt] = parseAttempts(res.headers.get("x-llmroute-attempts"));
    assert.equal(attempt.dropped, "store+user+messages[].name");
    assert.equal(emulator.requests[0].json.random_seed, 7);
  });

  test("workers-ai out of capacity: 3040 with retry-after, answered as a 429 when nothing else can", async () => {
    emulator.addFault({ provider: "workers-ai", status: 429, times: 2 });  // the retry, after the 2 s asked, too
    const res = await llmroute.chat({ model: "workers-ai", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "2");
    const body = await res.json();
    assert.equal(body.error.type, "rate_limit_error");
    assert.match(body.error.message, /Capacity temporarily exceeded/);
  });
});
