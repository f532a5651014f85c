// Self-test of the emulator's Cohere v2 chat, with plain fetch: node --test tests/emulator_selftest/

import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, replyText, estimatePromptTokens, estimateCompletionTokens } from "../emulator/emulator.mjs";
import { COHERE_TEMPLATE_TOKENS } from "../emulator/providers.mjs";

const COHERE_HEADERS = { authorization: "Bearer co-selftest-3d7a" };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MODEL = "command-a-03-2025";

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());
beforeEach(() => emu.reset());

const cohere = (body, headers = COHERE_HEADERS) =>
  fetch(`${emu.url}/cohere/v2/chat`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const chat = (extra = {}) => ({ model: MODEL, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello." }], stream: false, ...extra });
const TOOLS = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }];

function parseSse(text) {
  return text.split("\n\n").filter((block) => block.trim() !== "").map((block) => {
    const record = { event: null, data: "" };
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) record.event = line.slice(7);
      if (line.startsWith("data: ")) record.data += line.slice(6);
    }
    return record;
  });
}

test("cohere: v2 chat response with billed units and processed tokens", async () => {
  const res = await cohere(chat());
  assert.equal(res.status, 200);
  assert.match(res.headers.get("x-debug-trace-id"), /^[0-9a-f]{32}$/);
  const body = await res.json();
  assert.match(body.id, UUID);
  const text = replyText("cohere", MODEL);
  assert.deepEqual(body.message, { role: "assistant", content: [{ type: "text", text }] });
  assert.equal(body.finish_reason, "COMPLETE");
  const prompt = estimatePromptTokens(chat());
  assert.deepEqual(body.usage, {
    billed_units: { input_tokens: prompt, output_tokens: estimateCompletionTokens(text) },
    tokens: { input_tokens: prompt + COHERE_TEMPLATE_TOKENS, output_tokens: estimateCompletionTokens(text) },
  });
  assert.equal(emu.requests[0].path, "/v2/chat");

  const cut = await (await cohere(chat({ max_tokens: 2 }))).json();
  assert.equal(cut.finish_reason, "MAX_TOKENS");
  assert.equal(cut.message.content[0].text, text.slice(0, 8));
});

test("cohere: a tool call comes with its plan and a string of arguments", async () => {
  const body = await (await cohere(chat({ tools: TOOLS }))).json();
  assert.equal(body.finish_reason, "TOOL_CALL");
  assert.equal(typeof body.message.tool_plan, "string");
  const [call] = body.message.tool_calls;
  assert.match(call.id, /^get_weather_\w+$/);
  assert.deepEqual({ ...call, id: "x" }, { id: "x", type: "function", function: { name: "get_weather", arguments: "{}" } });
  assert.equal(body.message.content, undefined);
});

test("cohere stream: named events whose data repeats the name, message-end with usage", async () => {
  const res = await cohere(chat({ stream: true }));
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = parseSse(await res.text());
  assert.equal(events.at(-1).data, "[DONE]");
  const named = events.slice(0, -1);
  const deltas = named.filter((e) => e.event === "content-delta").length;
  assert.ok(deltas >= 4);
  assert.deepEqual(named.map((e) => e.event), ["message-start", "content-start", ...Array(deltas).fill("content-delta"), "content-end", "message-end"]);
  const data = named.map((e) => JSON.parse(e.data));
  assert.ok(data.every((d, i) => d.type === named[i].event));
  assert.match(data[0].id, UUID);
  assert.equal(data.filter((d) => d.type === "content-delta").map((d) => d.delta.message.content.text).join(""), replyText("cohere", MODEL));
  assert.equal(data.at(-1).delta.finish_reason, "COMPLETE");
  assert.equal(data.at(-1).delta.usage.billed_units.input_tokens, estimatePromptTokens(chat()));

  const tool = parseSse(await (await cohere(chat({ stream: true, tools: TOOLS }))).text()).slice(0, -1);
  assert.deepEqual(tool.map((e) => e.event), ["message-start", "tool-plan-delta", "tool-call-start", "tool-call-delta", "tool-call-end", "message-end"]);
  assert.equal(JSON.parse(tool[2].data).delta.message.tool_calls.function.name, "get_weather");
  assert.equal(JSON.parse(tool.at(-1).data).delta.finish_reason, "TOOL_CALL");
});

test("cohere errors: {id, message} with the status carrying the meaning", async () => {
  const unauthorized = await cohere(chat(), {});
  assert.equal(unauthorized.status, 401);
  const body = await unauthorized.json();
  assert.deepEqual(Object.keys(body), ["id", "message"]);
  assert.equal(body.message, "invalid api token");

  const empty = await cohere(chat({ messages: [] }));
  assert.equal(empty.status, 400);
  assert.match((await empty.json()).message, /^invalid request/);

  emu.addFault({ provider: "cohere", status: 404 });
  const missing = await cohere(chat());
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).message, new RegExp(`model '${MODEL}' not found`));
});
