// Self-test of the AI Gateway emulator, with plain fetch: node --test tests/emulator_selftest/

import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, replyText, estimatePromptTokens, estimateCompletionTokens } from "../emulator/emulator.mjs";

const OPENAI_KEY = "sk-selftest-openai-5b1f";
const ANTHROPIC_KEY = "sk-ant-selftest-9c2e";
const OPENAI_HEADERS = { authorization: `Bearer ${OPENAI_KEY}` };
const ANTHROPIC_HEADERS = { "x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01" };
const MESSAGES = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Say hello." },
];
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());
beforeEach(() => emu.reset());

function post(url, body, headers = {}, init = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}
const openai = (body, headers = OPENAI_HEADERS, init) => post(`${emu.url}/openai/chat/completions`, body, headers, init);
const anthropic = (body, headers = ANTHROPIC_HEADERS) => post(`${emu.url}/anthropic/v1/messages`, body, headers);
const chat = (extra = {}) => ({ model: "gpt-4o-mini", messages: MESSAGES, ...extra });
const claude = (extra = {}) => ({ model: "claude-haiku-4-5", max_tokens: 1024, system: "Be brief.", messages: [{ role: "user", content: "Say hello." }], ...extra });

/** Splits an SSE body into { event, data } records (data is the raw text). */
function parseSse(text) {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const record = { event: null, data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) record.event = line.slice(7);
        if (line.startsWith("data: ")) record.data += line.slice(6);
      }
      return record;
    });
}

test("openai: chat.completion shape, deterministic text and usage, request log", async () => {
  const res = await openai(chat());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.match(res.headers.get("cf-aig-log-id"), UUID_V7);
  assert.equal(res.headers.get("cf-aig-step"), "0");
  assert.match(res.headers.get("x-request-id"), /^req_[0-9a-f]{32}$/);
  const body = await res.json();
  assert.match(body.id, /^chatcmpl-\w+$/);
  assert.equal(body.object, "chat.completion");
  assert.equal(typeof body.created, "number");
  assert.equal(body.model, "gpt-4o-mini");
  const text = replyText("openai", "gpt-4o-mini");
  assert.deepEqual(body.choices, [
    { index: 0, message: { role: "assistant", content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" },
  ]);
  const prompt = estimatePromptTokens(chat());
  const completion = estimateCompletionTokens(text);
  assert.equal(prompt, Math.ceil("Be brief.Say hello.".length / 4) + 8);
  assert.deepEqual(body.usage, {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  });
  assert.equal(body.service_tier, "default");
  assert.equal(typeof body.system_fingerprint, "string");

  assert.equal(emu.requests.length, 1);
  const [logged] = emu.requests;
  assert.equal(logged.provider, "openai");
  assert.equal(logged.path, "/chat/completions");
  assert.equal(logged.method, "POST");
  assert.equal(logged.headers.authorization, `Bearer ${OPENAI_KEY}`);
  assert.deepEqual(logged.json, chat());
  assert.equal(logged.body, JSON.stringify(chat()));
  assert.equal(typeof logged.at_ms, "number");
});

test("openai: tool call on a user turn, text after a tool result, length cut", async () => {
  const tools = [{ type: "function", function: { name: "get_capital", parameters: { type: "object", properties: {} } } }];
  const call = await (await openai(chat({ tools }))).json();
  assert.equal(call.choices[0].finish_reason, "tool_calls");
  const { message } = call.choices[0];
  assert.equal(message.content, null);
  assert.equal(message.tool_calls.length, 1);
  assert.match(message.tool_calls[0].id, /^call_\w+$/);
  assert.deepEqual({ ...message.tool_calls[0], id: "x" }, { id: "x", type: "function", function: { name: "get_capital", arguments: "{}" } });

  const followUp = chat({
    tools,
    messages: [...MESSAGES, { role: "assistant", content: null, tool_calls: message.tool_calls }, { role: "tool", tool_call_id: "c", content: "London" }],
  });
  const answer = await (await openai(followUp)).json();
  assert.equal(answer.choices[0].finish_reason, "stop");
  assert.equal(answer.choices[0].message.content, replyText("openai", "gpt-4o-mini"));

  const cut = await (await openai(chat({ max_completion_tokens: 3 }))).json();
  assert.equal(cut.choices[0].finish_reason, "length");
  assert.equal(cut.choices[0].message.content, replyText("openai", "gpt-4o-mini").slice(0, 12));
  assert.equal(cut.usage.completion_tokens, 3);
});

test("anthropic: message shape, usage, tool_use and max_tokens", async () => {
  const res = await anthropic(claude());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.match(res.headers.get("request-id"), /^req_\w+$/);
  assert.match(res.headers.get("cf-aig-log-id"), UUID_V7);
  const body = await res.json();
  assert.match(body.id, /^msg_\w+$/);
  const text = replyText("anthropic", "claude-haiku-4-5");
  assert.deepEqual({ ...body, id: "x" }, {
    id: "x",
    type: "message",
    role: "assistant",
    model: "claude-haiku-4-5",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: estimatePromptTokens(claude()),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: estimateCompletionTokens(text),
      service_tier: "standard",
    },
  });
  assert.equal(body.usage.input_tokens, Math.ceil("Be brief.Say hello.".length / 4) + 4);

  const tools = [{ name: "get_weather", input_schema: { type: "object" } }];
  const call = await (await anthropic(claude({ tools }))).json();
  assert.equal(call.stop_reason, "tool_use");
  assert.equal(call.content[0].type, "tool_use");
  assert.match(call.content[0].id, /^toolu_\w+$/);
  assert.equal(call.content[0].name, "get_weather");
  assert.deepEqual(call.content[0].input, {});

  const result = claude({
    tools,
    messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: call.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.content[0].id, content: "Sunny" }] },
    ],
  });
  assert.equal((await (await anthropic(result)).json()).stop_reason, "end_turn");

  const cut = await (await anthropic(claude({ max_tokens: 2 }))).json();
  assert.equal(cut.stop_reason, "max_tokens");
  assert.equal(cut.content[0].text, text.slice(0, 8));
  assert.equal(cut.usage.output_tokens, 2);
});

test("openai stream: chunks, usage chunk with include_usage, [DONE]", async () => {
  const res = await openai(chat({ stream: true, stream_options: { include_usage: true } }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.match(res.headers.get("cf-aig-log-id"), UUID_V7);
  const events = parseSse(await res.text());
  assert.ok(events.every((e) => e.event === null));
  assert.equal(events.at(-1).data, "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id && c.model === "gpt-4o-mini"));
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  const usageChunk = chunks.at(-1);
  const choiceChunks = chunks.slice(0, -1);
  assert.ok(choiceChunks.every((c) => c.usage === null));
  assert.ok(choiceChunks.length >= 4, "text arrives in several pieces");
  assert.equal(choiceChunks.map((c) => c.choices[0].delta.content ?? "").join(""), replyText("openai", "gpt-4o-mini"));
  assert.equal(choiceChunks.at(-1).choices[0].finish_reason, "stop");
  assert.deepEqual(usageChunk.choices, []);
  assert.equal(usageChunk.usage.prompt_tokens, estimatePromptTokens(chat()));
  assert.equal(usageChunk.usage.completion_tokens, estimateCompletionTokens(replyText("openai", "gpt-4o-mini")));

  const plain = parseSse(await (await openai(chat({ stream: true }))).text());
  assert.ok(plain.slice(0, -1).every((e) => !("usage" in JSON.parse(e.data))), "no usage without include_usage");
});

test("openai stream: tool call fragments", async () => {
  const tools = [{ type: "function", function: { name: "get_capital" } }];
  const events = parseSse(await (await openai(chat({ stream: true, tools }))).text());
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
  const first = chunks[0].choices[0].delta.tool_calls[0];
  assert.equal(first.function.name, "get_capital");
  assert.match(first.id, /^call_/);
  const args = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []).map((t) => t.function.arguments).join("");
  assert.equal(args, "{}");
  assert.equal(chunks.at(-1).choices[0].finish_reason, "tool_calls");
});

test("anthropic stream: named events in recorded order and final usage", async () => {
  const res = await anthropic(claude({ stream: true }));
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = parseSse(await res.text());
  const names = events.map((e) => e.event);
  const deltas = names.filter((n) => n === "content_block_delta").length;
  assert.ok(deltas >= 4);
  assert.deepEqual(names, [
    "message_start",
    "content_block_start",
    "ping",
    ...Array(deltas).fill("content_block_delta"),
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  const data = events.map((e) => JSON.parse(e.data));
  assert.ok(data.every((d, i) => d.type === names[i]), "data.type matches the event name");
  assert.equal(data[0].message.usage.input_tokens, estimatePromptTokens(claude()));
  assert.deepEqual(data[0].message.content, []);
  const text = data.filter((d) => d.type === "content_block_delta").map((d) => d.delta.text).join("");
  assert.equal(text, replyText("anthropic", "claude-haiku-4-5"));
  const messageDelta = data.at(-2);
  assert.deepEqual(messageDelta.delta, { stop_reason: "end_turn", stop_sequence: null });
  assert.equal(messageDelta.usage.output_tokens, estimateCompletionTokens(text));
});

test("provider auth and validation errors", async () => {
  const missingKey = await openai(chat(), {});
  assert.equal(missingKey.status, 401);
  const openaiBody = await missingKey.json();
  assert.equal(openaiBody.error.code, "invalid_api_key");
  assert.equal(openaiBody.error.type, "invalid_request_error");
  assert.equal(openaiBody.error.param, null);

  const anthropicMissing = await anthropic(claude(), { "anthropic-version": "2023-06-01" });
  assert.equal(anthropicMissing.status, 401);
  const anthropicBody = await anthropicMissing.json();
  assert.equal(anthropicBody.type, "error");
  assert.deepEqual(anthropicBody.error, { type: "authentication_error", message: "invalid x-api-key" });
  assert.equal(anthropicBody.request_id, anthropicMissing.headers.get("request-id"));

  const noVersion = await anthropic(claude(), { "x-api-key": ANTHROPIC_KEY });
  assert.equal(noVersion.status, 400);
  assert.equal((await noVersion.json()).error.type, "invalid_request_error");

  const noMaxTokens = await anthropic({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "hi" }] });
  assert.equal(noMaxTokens.status, 400);
  assert.match((await noMaxTokens.json()).error.message, /max_tokens/);

  for (const bad of ["{not json", { model: "gpt-4o-mini" }, { model: "gpt-4o-mini", messages: [] }, { messages: MESSAGES }]) {
    const res = await openai(bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal((await res.json()).error.type, "invalid_request_error");
  }
  assert.equal(emu.requests.at(-4).json, null, "an unparsable body is logged with json: null");
});

test("gateway token mode and BYOK mode", async () => {
  const gated = await startEmulator({ gatewayToken: "cf-aig-selftest" });
  try {
    const url = `${gated.url}/openai/chat/completions`;
    for (const headers of [OPENAI_HEADERS, { ...OPENAI_HEADERS, "cf-aig-authorization": "Bearer wrong" }]) {
      const res = await post(url, chat(), headers);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), {
        success: false,
        result: [],
        messages: [],
        error: [{ code: 2009, message: "Unauthorized" }],
        name: "AiGatewayError",
        httpCode: 401,
        internalCode: 2009,
        message: "Unauthorized",
        description: "Unauthorized",
      });
    }
    const ok = await post(url, chat(), { ...OPENAI_HEADERS, "cf-aig-authorization": "Bearer cf-aig-selftest" });
    assert.equal(ok.status, 200);
    await ok.body.cancel();
  } finally {
    await gated.close();
  }

  const byok = await startEmulator({ byok: true, gatewayToken: "t" });
  try {
    const res = await post(`${byok.url}/anthropic/v1/messages`, claude(), { "anthropic-version": "2023-06-01", "cf-aig-authorization": "Bearer t" });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).type, "message");
  } finally {
    await byok.close();
  }
});

test("routing: unknown provider or path is 404 AiGatewayError, non-POST is 405", async () => {
  for (const path of ["/nosuch/chat/completions", "/openai/v1/messages", "/anthropic/chat/completions"]) {
    const res = await post(emu.url + path, chat(), OPENAI_HEADERS);
    assert.equal(res.status, 404, path);
    const body = await res.json();
    assert.equal(body.name, "AiGatewayError");
    assert.equal(body.success, false);
    assert.equal(body.httpCode, 404);
  }
  const get = await fetch(`${emu.url}/openai/chat/completions`, { headers: OPENAI_HEADERS });
  assert.equal(get.status, 405);
  assert.equal((await get.json()).name, "AiGatewayError");
});

test("fault status: provider error bodies and extra headers", async () => {
  emu.addFault({ provider: "openai", status: 503, headers: { "retry-after": "2" } });
  const res = await openai(chat());
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "2");
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await res.json(), { error: { message: "The server is overloaded or not ready yet.", type: "server_error", param: null, code: null } });

  emu.addFault({ status: 429 });
  assert.equal((await (await openai(chat())).json()).error.code, "rate_limit_exceeded");

  emu.addFault({ provider: "anthropic", status: 529 });
  const overloaded = await anthropic(claude());
  assert.equal(overloaded.status, 529);
  const body = await overloaded.json();
  assert.deepEqual(body.error, { type: "overloaded_error", message: "Overloaded" });
  assert.equal(body.request_id, overloaded.headers.get("request-id"));

  emu.addFault({ status: 500, body: "upstream exploded" });
  const custom = await anthropic(claude());
  assert.equal(custom.status, 500);
  assert.equal(await custom.text(), "upstream exploded");
});

test("fault malformed: 200 application/json that does not parse", async () => {
  emu.addFault({ kind: "malformed" });
  const res = await openai(chat());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  const text = await res.text();
  assert.ok(text.startsWith("{"));
  assert.throws(() => JSON.parse(text), SyntaxError);
});

test("fault drop: the connection closes without a response", async () => {
  emu.addFault({ kind: "drop" });
  await assert.rejects(openai(chat()), TypeError);
  assert.equal(emu.requests.length, 1, "the dropped request is still logged");
});

test("fault delayMs: the answer comes no sooner than asked", async () => {
  emu.addFault({ delayMs: 300 });
  const started = Date.now();
  const res = await openai(chat());
  assert.equal(res.status, 200);
  assert.ok(Date.now() - started >= 300 - 5, "allow for timer rounding");
  assert.equal((await res.json()).object, "chat.completion");

  emu.addFault({ delayMs: 200, status: 502 });
  const startedAgain = Date.now();
  assert.equal((await anthropic(claude())).status, 502);
  assert.ok(Date.now() - startedAgain >= 200 - 5);
});

test("fault truncate: streams stop after afterEvents, plain bodies stop half-way", async () => {
  emu.addFault({ kind: "truncate", afterEvents: 3 });
  const res = await anthropic(claude({ stream: true }));
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let received = "";
  await assert.rejects(async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      received += decoder.decode(value, { stream: true });
    }
  });
  assert.deepEqual(parseSse(received).map((e) => e.event), ["message_start", "content_block_start", "ping"]);

  emu.addFault({ kind: "truncate" });
  const plain = await openai(chat());
  assert.equal(plain.status, 200);
  await assert.rejects(plain.text());
});

test("fault hang: nothing arrives until the client gives up", async () => {
  emu.addFault({ kind: "hang" });
  const started = Date.now();
  await assert.rejects(openai(chat(), OPENAI_HEADERS, { signal: AbortSignal.timeout(200) }), { name: "TimeoutError" });
  assert.ok(Date.now() - started >= 195);
  assert.equal((await openai(chat())).status, 200, "the next request is answered normally");
});

test("fault wrong-content-type: 200 text/html", async () => {
  emu.addFault({ kind: "wrong-content-type" });
  const res = await openai(chat());
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/html/);
  assert.match(await res.text(), /^<html>/);
});

test("faults: first matching rule wins, times counts down, Infinity lasts", async () => {
  emu.addFault({ provider: "anthropic", status: 529 });
  emu.addFault({ model: "gpt-4o-mini", status: 429, times: 2 });
  emu.addFault({ status: 500, times: Infinity });
  const statuses = [];
  for (const send of [() => openai(chat()), () => openai(chat()), () => openai(chat()), () => anthropic(claude()), () => anthropic(claude()), () => openai(chat({ model: "gpt-4o" }))]) {
    const res = await send();
    await res.body.cancel();
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [429, 429, 500, 529, 500, 500]);
  emu.clearFaults();
  assert.equal((await openai(chat())).status, 200);
  assert.throws(() => emu.addFault({ kind: "explode" }), TypeError);
  assert.throws(() => emu.addFault({ status: 500, times: 0 }), TypeError);
});

test("control API: queue and clear faults over HTTP, list requests with secrets redacted", async () => {
  const faults = `${emu.origin}/__emulator/faults`;
  const queued = await post(faults, { provider: "openai", status: 502, times: "Infinity" });
  assert.equal(queued.status, 201);
  await queued.body.cancel();
  assert.equal((await openai(chat())).status, 502);
  assert.equal((await openai(chat())).status, 502);
  assert.equal((await post(faults, { kind: "nope" })).status, 400);
  assert.equal((await post(faults, "not json")).status, 400);
  assert.equal((await fetch(faults, { method: "DELETE" })).status, 200);
  assert.equal((await openai(chat())).status, 200);

  await anthropic(claude(), { ...ANTHROPIC_HEADERS, "cf-aig-authorization": "Bearer cf-secret-token" });
  const listing = await fetch(`${emu.origin}/__emulator/requests`);
  assert.equal(listing.status, 200);
  const text = await listing.text();
  for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, "cf-secret-token"]) assert.ok(!text.includes(secret), "no secret in the listing");
  const logged = JSON.parse(text);
  assert.equal(logged.length, 4);
  assert.equal(logged[0].headers.authorization, "[redacted]");
  assert.equal(logged[3].headers["x-api-key"], "[redacted]");
  assert.equal(logged[3].headers["cf-aig-authorization"], "[redacted]");
  assert.equal(logged[3].headers["anthropic-version"], "2023-06-01");
  assert.equal(logged[3].json.model, "claude-haiku-4-5");
  assert.equal(emu.requests[3].headers["x-api-key"], ANTHROPIC_KEY, "the in-process log keeps the real value");
});

test("close() ends hung and delayed requests at once", async () => {
  const own = await startEmulator();
  own.addFault({ kind: "hang" });
  own.addFault({ delayMs: 60_000 });
  const url = `${own.url}/openai/chat/completions`;
  const bothFail = Promise.all([post(url, chat(), OPENAI_HEADERS), post(url, chat(), OPENAI_HEADERS)].map((request) => assert.rejects(request)));
  while (own.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = Date.now();
  await own.close();
  assert.ok(Date.now() - started < 1000);
  await bothFail;
});
