// Self-test of the emulator's OpenAI-dialect providers (Groq, Mistral, DeepSeek, xAI, OpenRouter,
// Perplexity, Azure OpenAI, Workers AI), with plain fetch: each answers on its gateway path, checks
// its own auth header, and writes its answers, streams and errors with the quirks of its recordings.

import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, replyText, estimatePromptTokens, estimateCompletionTokens } from "../emulator/emulator.mjs";
import { REASONING_TEXT } from "../emulator/providers.mjs";

const KEY = "sk-selftest-dialect-3f7a";
const MESSAGES = [{ role: "user", content: "Say hello." }];
const TOOLS = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }];

// slug -> where it answers, how it is authenticated, and the model it is asked for.
const DIALECTS = {
  groq: { path: "/groq/chat/completions", model: "llama-3.1-8b-instant" },
  mistral: { path: "/mistral/v1/chat/completions", model: "mistral-small-latest" },
  deepseek: { path: "/deepseek/chat/completions", model: "deepseek-reasoner" },
  grok: { path: "/grok/v1/chat/completions", model: "grok-3-mini" },
  openrouter: { path: "/openrouter/v1/chat/completions", model: "openai/gpt-4o-mini" },
  "perplexity-ai": { path: "/perplexity-ai/chat/completions", model: "sonar" },
  "azure-openai": { path: "/azure-openai/contoso/gpt4o-prod/chat/completions?api-version=2024-10-21", model: "gpt4o-prod", header: "api-key" },
  "workers-ai": { path: "/workers-ai/v1/chat/completions", model: "@cf/meta/llama-3.1-8b-instruct" },
};

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());
beforeEach(() => emu.reset());

function call(slug, body, { key = KEY } = {}) {
  const { path, header = "authorization" } = DIALECTS[slug];
  const headers = { "content-type": "application/json" };
  if (key !== null) headers[header] = header === "authorization" ? `Bearer ${key}` : key;
  return fetch(emu.url + path, { method: "POST", headers, body: JSON.stringify(body) });
}

const chat = (slug, extra = {}) => ({ model: DIALECTS[slug].model, messages: MESSAGES, ...extra });

/** The data payloads of an SSE body, comments kept apart. */
function sse(text) {
  const blocks = text.split("\n\n").filter((b) => b.trim() !== "");
  return { comments: blocks.filter((b) => b.startsWith(":")), data: blocks.filter((b) => b.startsWith("data: ")).map((b) => b.slice(6)) };
}

test("every dialect: its path and auth header, text in OpenAI's answer shape", async () => {
  for (const slug of Object.keys(DIALECTS)) {
    const res = await call(slug, chat(slug));
    assert.equal(res.status, 200, slug);
    const body = await res.json();
    assert.equal(body.object, "chat.completion", slug);
    assert.equal(body.model, DIALECTS[slug].model, slug);
    assert.equal(body.choices[0].message.content, replyText(slug, DIALECTS[slug].model), slug);
    assert.equal(body.choices[0].finish_reason, "stop", slug);
    assert.equal(body.usage.prompt_tokens, estimatePromptTokens(chat(slug)), slug);

    const unauthenticated = await call(slug, chat(slug), { key: null });
    assert.equal(unauthenticated.status, 401, slug);
    await unauthenticated.body.cancel();
  }
  assert.equal(emu.requests.find((r) => r.provider === "azure-openai").headers["api-key"], KEY);
});

test("answers carry each provider's quirks", async () => {
  const groq = await (await call("groq", chat("groq"))).json();
  assert.match(groq.x_groq.id, /^req_/);
  assert.equal(typeof groq.usage.queue_time, "number");

  const mistral = await (await call("mistral", chat("mistral", { tools: TOOLS }))).json();
  const mistralCall = mistral.choices[0].message.tool_calls[0];
  assert.equal(mistralCall.type, undefined);
  assert.match(mistralCall.id, /^\w{9}$/);
  assert.equal((await (await call("mistral", chat("mistral"))).json()).choices[0].message.tool_calls, null);

  const deepseek = await (await call("deepseek", chat("deepseek"))).json();
  assert.equal(deepseek.choices[0].message.reasoning_content, REASONING_TEXT);
  assert.equal(deepseek.usage.completion_tokens_details.reasoning_tokens, estimateCompletionTokens(REASONING_TEXT));
  assert.equal(deepseek.usage.prompt_cache_miss_tokens, deepseek.usage.prompt_tokens);

  // xAI leaves reasoning out of completion_tokens, and in total_tokens.
  const grok = await (await call("grok", chat("grok"))).json();
  const text = estimateCompletionTokens(replyText("grok", "grok-3-mini"));
  const reasoning = estimateCompletionTokens(REASONING_TEXT);
  assert.equal(grok.usage.completion_tokens, text);
  assert.equal(grok.usage.total_tokens, grok.usage.prompt_tokens + text + reasoning);

  const openrouter = await (await call("openrouter", chat("openrouter"))).json();
  assert.equal(openrouter.provider, "Emulated");
  assert.equal(openrouter.choices[0].native_finish_reason, "stop");
  assert.equal(typeof openrouter.usage.cost, "number");

  assert.ok((await (await call("perplexity-ai", chat("perplexity-ai"))).json()).citations.length > 0);

  const azure = await (await call("azure-openai", { messages: MESSAGES })).json();
  assert.equal(azure.prompt_filter_results[0].content_filter_results.hate.filtered, false);
  assert.equal(azure.choices[0].content_filter_results.violence.severity, "safe");

  const workers = await (await call("workers-ai", chat("workers-ai"))).json();
  assert.deepEqual(workers.choices[0].message.tool_calls, []);
  assert.equal(workers.choices[0].stop_reason, null);
});

test("Mistral answers 422 to fields it does not know; Groq 400 to messages[].name", async () => {
  const mistral = await call("mistral", chat("mistral", { user: "u", messages: [{ role: "user", content: "hi", refusal: null }] }));
  assert.equal(mistral.status, 422);
  const body = await mistral.json();
  assert.equal(body.object, "error");
  assert.deepEqual(body.message.detail.map((d) => d.loc.at(-1)), ["user", "refusal"]);

  const groq = await call("groq", chat("groq", { messages: [{ role: "user", name: "ann", content: "hi" }] }));
  assert.equal(groq.status, 400);
  assert.match((await groq.json()).error.message, /property 'name' is unsupported/);
});

test("streams: where each puts usage, and how each ends", async () => {
  const text = (slug) => replyText(slug, DIALECTS[slug].model);
  const content = (chunks) => chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("");

  // Groq: usage in x_groq on the finish chunk, unasked.
  let { data } = sse(await (await call("groq", chat("groq", { stream: true }))).text());
  assert.equal(data.at(-1), "[DONE]");
  let chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(content(chunks), text("groq"));
  assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");
  assert.equal(chunks.at(-1).x_groq.usage.completion_tokens, estimateCompletionTokens(text("groq")));

  // Mistral: padding, usage on the finish chunk, tool calls whole and untyped.
  chunks = sse(await (await call("mistral", chat("mistral", { stream: true }))).text()).data.slice(0, -1).map((d) => JSON.parse(d));
  assert.ok(chunks.slice(1).every((c) => typeof c.p === "string"));
  assert.equal(chunks.at(-1).usage.prompt_tokens, estimatePromptTokens(chat("mistral")));
  chunks = sse(await (await call("mistral", chat("mistral", { stream: true, tools: TOOLS }))).text()).data.slice(0, -1).map((d) => JSON.parse(d));
  const whole = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
  assert.equal(whole.length, 1);
  assert.equal(whole[0].function.arguments, "{}");

  // DeepSeek: reasoning first; usage on the finish chunk only when asked.
  chunks = sse(await (await call("deepseek", chat("deepseek", { stream: true, stream_options: { include_usage: true } }))).text()).data.slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(chunks.map((c) => c.choices[0].delta.reasoning_content ?? "").join(""), REASONING_TEXT);
  assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");
  assert.equal(chunks.at(-1).usage.completion_tokens_details.reasoning_tokens, estimateCompletionTokens(REASONING_TEXT));
  chunks = sse(await (await call("deepseek", chat("deepseek", { stream: true }))).text()).data.slice(0, -1).map((d) => JSON.parse(d));
  assert.ok(chunks.every((c) => !("usage" in c)));

  // OpenRouter: a processing comment first; tool-call fragments repeat the id and name.
  const openrouter = sse(await (await call("openrouter", chat("openrouter", { stream: true, tools: TOOLS }))).text());
  assert.deepEqual(openrouter.comments, [": OPENROUTER PROCESSING"]);
  const fragments = openrouter.data.slice(0, -1).flatMap((d) => JSON.parse(d).choices[0].delta.tool_calls ?? []);
  assert.equal(fragments.length, 2);
  assert.ok(fragments.every((f) => f.id === fragments[0].id && f.function.name === "get_weather"));

  // Perplexity: running usage on every chunk, citations, a done object last and no [DONE].
  data = sse(await (await call("perplexity-ai", chat("perplexity-ai", { stream: true }))).text()).data;
  chunks = data.map((d) => JSON.parse(d));
  assert.ok(chunks.every((c) => c.usage && c.citations.length > 0));
  assert.equal(chunks.at(-1).object, "chat.completion.done");
  assert.equal(chunks.at(-1).usage.completion_tokens, estimateCompletionTokens(text("perplexity-ai")));
  assert.equal(content(chunks), text("perplexity-ai"));

  // Azure: an opening event of empty choices with the prompt's filter results.
  data = sse(await (await call("azure-openai", { messages: MESSAGES, stream: true })).text()).data;
  const opening = JSON.parse(data[0]);
  assert.deepEqual([opening.choices, opening.id, opening.object], [[], "", ""]);
  assert.ok(opening.prompt_filter_results);
  assert.equal(content(data.slice(1, -1).map((d) => JSON.parse(d))), text("azure-openai"));

  // Workers AI: chunks of bare choices.
  chunks = sse(await (await call("workers-ai", chat("workers-ai", { stream: true }))).text()).data.slice(0, -1).map((d) => JSON.parse(d));
  assert.deepEqual(Object.keys(chunks[0]), ["choices"]);
  assert.equal(content(chunks), text("workers-ai"));

  // xAI: the usage chunk (when asked) leaves reasoning out of completion_tokens.
  chunks = sse(await (await call("grok", chat("grok", { stream: true, stream_options: { include_usage: true } }))).text()).data.slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(chunks.at(-1).usage.completion_tokens, estimateCompletionTokens(text("grok")));
});

test("error bodies in each provider's own shape", async () => {
  const expectations = {
    groq: [503, (b) => b.error.type === "server_error"],
    mistral: [429, (b) => b.object === "error" && b.message === "Requests rate limit exceeded"],
    deepseek: [503, (b) => b.error.message === "Server overloaded"],
    grok: [429, (b) => b.code === "Too many requests" && typeof b.error === "string"],
    openrouter: [429, (b) => b.error.code === 429 && b.error.metadata.raw.includes("rate-limited upstream")],
    "perplexity-ai": [500, (b) => b.error.code === 500],
    "azure-openai": [404, (b) => b.error.code === "DeploymentNotFound"],
    "workers-ai": [429, (b) => b.success === false && b.errors[0].code === 3040],
  };
  for (const [slug, [status, check]] of Object.entries(expectations)) {
    emu.addFault({ provider: slug, status });
    const res = await call(slug, chat(slug));
    assert.equal(res.status, status, slug);
    const body = await res.json();
    assert.ok(check(body), `${slug}: ${JSON.stringify(body)}`);
    if (slug === "workers-ai") assert.equal(res.headers.get("retry-after"), "2");
  }
  // Azure without an api-version, or without a deployment: no such route.
  const noVersion = await fetch(`${emu.url}/azure-openai/contoso/gpt4o-prod/chat/completions`, {
    method: "POST", headers: { "api-key": KEY }, body: JSON.stringify({ messages: MESSAGES }),
  });
  assert.equal(noVersion.status, 404);
  assert.equal((await noVersion.json()).name, "AiGatewayError");
});
