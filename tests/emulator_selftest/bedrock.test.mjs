// Self-test of the emulator's Amazon Bedrock Converse, with plain fetch: node --test tests/emulator_selftest/

import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { startEmulator, replyText, estimatePromptTokens, estimateCompletionTokens } from "../emulator/emulator.mjs";
import { sigv4Signature } from "../emulator/providers.mjs";

const AWS = { accessKeyId: "AKIDSELFTEST", secretAccessKey: "selftest/secret/key/7d41c0" };
const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
const PATH = `/bedrock-runtime/us-east-1/model/${encodeURIComponent(MODEL)}`;

let emu;
before(async () => {
  emu = await startEmulator({ awsCredentials: AWS });
});
after(() => emu.close());
beforeEach(() => emu.reset());

function amzDate(ms = Date.now()) {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Signs as the core does: host, x-amz-date and (temporary credentials) x-amz-security-token. */
function signed(path, body, { secretAccessKey = AWS.secretAccessKey, date = amzDate(), token = null } = {}) {
  const headers = { "x-amz-date": date, ...(token ? { "x-amz-security-token": token } : {}) };
  const signature = sigv4Signature({
    method: "POST", host: "bedrock-runtime.us-east-1.amazonaws.com", path: path.slice("/bedrock-runtime/us-east-1".length),
    region: "us-east-1", service: "bedrock", body, amzDate: date, secretAccessKey, headers,
  });
  const names = ["host", ...Object.keys(headers)].sort().join(";");
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${AWS.accessKeyId}/${date.slice(0, 8)}/us-east-1/bedrock/aws4_request, SignedHeaders=${names}, Signature=${signature}` };
}

function converse(body, { stream = false, headers = null, sign = {} } = {}) {
  const path = `${PATH}/${stream ? "converse-stream" : "converse"}`;
  const text = JSON.stringify(body);
  return fetch(emu.url + "/aws-bedrock" + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(headers ?? signed(path, text, sign)) },
    body: text,
  });
}

const chat = (extra = {}) => ({ messages: [{ role: "user", content: [{ text: "Say hello." }] }], system: [{ text: "Be brief." }], ...extra });
const TOOLS = { tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object" } } } }] };

/** Decodes application/vnd.amazon.eventstream bytes, checking both CRCs of every message. */
function decodeEventStream(bytes) {
  const messages = [];
  for (let at = 0; at < bytes.length;) {
    const total = bytes.readUInt32BE(at);
    const headersLength = bytes.readUInt32BE(at + 4);
    assert.equal(bytes.readUInt32BE(at + 8), crc32(bytes.subarray(at, at + 8)), "prelude CRC");
    assert.equal(bytes.readUInt32BE(at + total - 4), crc32(bytes.subarray(at, at + total - 4)), "message CRC");
    const headers = {};
    for (let h = at + 12; h < at + 12 + headersLength;) {
      const name = bytes.toString("utf8", h + 1, h + 1 + bytes[h]);
      h += 1 + bytes[h];
      assert.equal(bytes[h], 7, "string header");
      const length = bytes.readUInt16BE(h + 1);
      headers[name] = bytes.toString("utf8", h + 3, h + 3 + length);
      h += 3 + length;
    }
    messages.push({ headers, payload: JSON.parse(bytes.toString("utf8", at + 12 + headersLength, at + total - 4)) });
    at += total;
  }
  return messages;
}

test("sigv4Signature matches AWS's test suite and botocore", () => {
  // post-vanilla from AWS's SigV4 test suite.
  assert.equal(sigv4Signature({
    method: "POST", host: "example.amazonaws.com", path: "/", region: "us-east-1", service: "service", body: "", amzDate: "20150830T123600Z",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", headers: { "x-amz-date": "20150830T123600Z" },
  }), "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  // botocore 1.43's SigV4Auth on a Converse request whose model id holds a ':' (sent as %3A).
  assert.equal(sigv4Signature({
    method: "POST", host: "bedrock-runtime.us-east-1.amazonaws.com", path: "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
    region: "us-east-1", service: "bedrock", body: '{"messages":[{"content":[{"text":"hi"}],"role":"user"}]}', amzDate: "20241122T102030Z",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", headers: { "x-amz-date": "20241122T102030Z" },
  }), "01e02a419a867b67f453f3ad2dce5d1fd707cb49540c3c3d558951d113d481f6");
});

test("bedrock converse: output message, stop reason and usage; the model from the path", async () => {
  const res = await converse(chat());
  assert.equal(res.status, 200);
  assert.match(res.headers.get("x-amzn-requestid"), /^[0-9a-f-]{36}$/);
  const body = await res.json();
  const text = replyText("aws-bedrock", MODEL);
  assert.deepEqual(body.output, { message: { role: "assistant", content: [{ text }] } });
  assert.equal(body.stopReason, "end_turn");
  const prompt = estimatePromptTokens(chat());
  assert.deepEqual(body.usage, { inputTokens: prompt, outputTokens: estimateCompletionTokens(text), totalTokens: prompt + estimateCompletionTokens(text) });
  assert.equal(emu.requests[0].path, `${PATH}/converse`);

  const tool = await (await converse(chat({ toolConfig: TOOLS }))).json();
  assert.equal(tool.stopReason, "tool_use");
  assert.equal(tool.output.message.content[0].toolUse.name, "get_weather");
  assert.deepEqual(tool.output.message.content[0].toolUse.input, {});

  const cut = await (await converse(chat({ inferenceConfig: { maxTokens: 2 } }))).json();
  assert.equal(cut.stopReason, "max_tokens");
  assert.equal(cut.output.message.content[0].text, text.slice(0, 8));

  const session = await converse(chat(), { sign: { token: "selftest-session-token" } });
  assert.equal(session.status, 200);
});

test("bedrock converse-stream: binary event-stream frames in the recorded order", async () => {
  const res = await converse(chat(), { stream: true });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/vnd.amazon.eventstream");
  const messages = decodeEventStream(Buffer.from(await res.arrayBuffer()));
  const types = messages.map((m) => m.headers[":event-type"]);
  const deltas = types.filter((t) => t === "contentBlockDelta").length;
  assert.ok(deltas >= 4);
  assert.deepEqual(types, ["messageStart", ...Array(deltas).fill("contentBlockDelta"), "contentBlockStop", "messageStop", "metadata"]);
  assert.ok(messages.every((m) => m.headers[":message-type"] === "event" && typeof m.payload.p === "string"));
  assert.equal(messages.filter((m) => m.headers[":event-type"] === "contentBlockDelta").map((m) => m.payload.delta.text).join(""), replyText("aws-bedrock", MODEL));
  assert.equal(messages.at(-2).payload.stopReason, "end_turn");
  assert.equal(messages.at(-1).payload.usage.inputTokens, estimatePromptTokens(chat()));

  const tool = decodeEventStream(Buffer.from(await (await converse(chat({ toolConfig: TOOLS }), { stream: true })).arrayBuffer()));
  assert.deepEqual(tool.map((m) => m.headers[":event-type"]), ["messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]);
  assert.equal(tool[1].payload.start.toolUse.name, "get_weather");
  assert.equal(tool[2].payload.delta.toolUse.input, "{}");
});

test("bedrock errors: {message} with the class in x-amzn-errortype; signatures checked", async () => {
  const stale = await converse(chat(), { sign: { date: amzDate(Date.now() - 20 * 60 * 1000) } });
  assert.equal(stale.status, 403);
  const wrong = await converse(chat(), { sign: { secretAccessKey: "not-the-key" } });
  assert.equal(wrong.status, 403);
  assert.match(wrong.headers.get("x-amzn-errortype"), /^InvalidSignatureException:/);
  assert.match((await wrong.json()).message, /signature we calculated does not match/);
  assert.equal((await converse(chat(), { headers: {} })).status, 403);

  const extraneous = await converse(chat({ model: MODEL }));
  assert.equal(extraneous.status, 400);
  assert.match(extraneous.headers.get("x-amzn-errortype"), /^ValidationException:/);
  assert.deepEqual(Object.keys(await extraneous.json()), ["message"]);
  assert.equal((await converse({ messages: [{ role: "assistant", content: [{ text: "x" }] }] })).status, 400);

  emu.addFault({ provider: "aws-bedrock", model: MODEL, status: 429 });
  const throttled = await converse(chat());
  assert.equal(throttled.status, 429);
  assert.match(throttled.headers.get("x-amzn-errortype"), /^ThrottlingException:/);
  assert.equal((await throttled.json()).message, "Too many requests, please wait before trying again.");

  const wrongPath = await fetch(`${emu.url}/aws-bedrock/bedrock-runtime/us-east-1/model/x/invoke`, { method: "POST", body: "{}" });
  assert.equal(wrongPath.status, 404);
});
