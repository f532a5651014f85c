// Amazon Bedrock behind the OpenAI-compatible endpoint: translated to Converse and back, signed in
// the core with SigV4 (the emulator checks every signature against the credentials), the binary
// event stream turned into OpenAI chunks, a fallback to OpenAI, and BYOK where the gateway signs.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { estimateCompletionTokens, estimatePromptTokens, replyText, startEmulator } from "../emulator/emulator.mjs";
import { parseAttempts, startLlmroute, TEST_CLIENT_KEY, TEST_SECRETS } from "../support/worker_harness.mjs";

const OpenAI = createRequire(new URL("../../worker/package.json", import.meta.url))("openai").default;

const AWS_SECRETS = {
  AWS_ACCESS_KEY_ID: "AKIDLLMROUTETEST",
  AWS_SECRET_ACCESS_KEY: "aws-secret-test/9f3c1e7b5d",
  AWS_SESSION_TOKEN: "aws-session-test-token-4b8e2a6c",
};
const MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";
const MODEL = `us-east-1/${MODEL_ID}`;
const CONFIG = {
  version: 1,
  routes: { bedrock: { targets: [{ model: `aws-bedrock/${MODEL}`, retry: { attempts: 1 } }, "openai/gpt-4o-mini"] } },
  prices: {
    [`aws-bedrock/${MODEL}`]: { input: "0.80", output: "4.00" },
    "openai/gpt-4o-mini": { input: "0.15", output: "0.60" },
  },
};

describe("bedrock through llmroute", () => {
  let emulator;
  let llmroute;
  let client;
  before(async () => {
    emulator = await startEmulator({ awsCredentials: { accessKeyId: AWS_SECRETS.AWS_ACCESS_KEY_ID, secretAccessKey: AWS_SECRETS.AWS_SECRET_ACCESS_KEY } });
    llmroute = await startLlmroute({ gatewayUrl: emulator.url, secrets: { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY, ...AWS_SECRETS }, config: CONFIG });
    client = new OpenAI({ baseURL: `${llmroute.url}/v1`, apiKey: TEST_CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  test("a chat completion goes to Converse signed with SigV4, comes back translated and priced", async () => {
    const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello Bedrock" }];
    const { data, response } = await client.chat.completions.create({ model: "bedrock", messages, max_tokens: 200, seed: 1 }).withResponse();
    assert.equal(data.object, "chat.completion");
    assert.equal(data.model, MODEL);
    assert.equal(data.choices[0].message.content, replyText("aws-bedrock", MODEL_ID));
    assert.equal(data.choices[0].finish_reason, "stop");
    assert.match(data.id, /^chatcmpl-llmroute-[0-9a-f]{16}-1$/);  // Converse names no answer
    assert.equal(response.headers.get("x-llmroute-provider"), "aws-bedrock");
    assert.equal(response.headers.get("x-llmroute-cost-status"), "measured");
    const pico = data.usage.prompt_tokens * 800_000 + data.usage.completion_tokens * 4_000_000;
    const micro = Math.floor(pico / 1e6) + (pico % 1e6 >= 5e5 ? 1 : 0);
    assert.equal(response.headers.get("x-llmroute-cost-usd"), `0.${String(micro).padStart(6, "0")}`);
    assert.equal(parseAttempts(response.headers.get("x-llmroute-attempts"))[0].dropped, "seed");

    const sent = emulator.requests[0];
    assert.equal(sent.provider, "aws-bedrock");
    assert.equal(sent.path, "/bedrock-runtime/us-east-1/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
    // The emulator answered 200 only because the signature checked out against the credentials.
    assert.match(sent.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDLLMROUTETEST\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    assert.equal(sent.headers["x-amz-security-token"], AWS_SECRETS.AWS_SESSION_TOKEN);
    assert.ok(Math.abs(Date.parse(sent.headers["x-amz-date"].replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z")) - Date.now()) < 60_000);
    assert.ok(!JSON.stringify(sent.headers).includes(AWS_SECRETS.AWS_SECRET_ACCESS_KEY));
    assert.deepEqual(sent.json, {
      messages: [{ role: "user", content: [{ text: "Hello Bedrock" }] }],
      system: [{ text: "Be brief." }],
      inferenceConfig: { maxTokens: 200 },
    });
    assert.equal(data.usage.prompt_tokens, estimatePromptTokens(sent.json));
  });

  test("tools: the toolUse comes back as an OpenAI tool call", async () => {
    const completion = await client.chat.completions.create({
      model: "bedrock",
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
      tool_choice: "required",
    });
    const call = completion.choices[0].message.tool_calls[0];
    assert.equal(completion.choices[0].finish_reason, "tool_calls");
    assert.equal(call.function.name, "get_weather");
    assert.equal(call.function.arguments, "{}");
    assert.deepEqual(emulator.requests[0].json.toolConfig.toolChoice, { any: {} });
  });

  test("streaming: the binary event stream becomes OpenAI chunks, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "bedrock", messages: [{ role: "user", content: "Stream please" }], stream: true, stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    let finish = null;
    const ids = new Set();
    for await (const chunk of stream) {
      assert.equal(chunk.object, "chat.completion.chunk");
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, replyText("aws-bedrock", MODEL_ID));
    assert.equal(finish, "stop");
    assert.equal(usage.completion_tokens, estimateCompletionTokens(text));
    // Converse names no answer: every chunk carries the one id the call made.
    assert.equal(ids.size, 1);
    assert.match([...ids][0], /^chatcmpl-llmroute-[0-9a-f]{16}-1$/);
    assert.equal(emulator.requests[0].path, "/bedrock-runtime/us-east-1/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream");
  });

  test("Bedrock's ThrottlingException falls back to OpenAI, streamed and not", async () => {
    emulator.addFault({ provider: "aws-bedrock", status: 429, times: 2 });
    const res = await llmroute.chat({ model: "bedrock", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.status]), [
      [`aws-bedrock/${MODEL}`, 429], ["openai/gpt-4o-mini", 200]]);
    const body = await res.text();
    for (const value of Object.values(AWS_SECRETS).slice(1)) assert.ok(!body.includes(value));

    const stream = await client.chat.completions.create({ model: "bedrock", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, replyText("openai", "gpt-4o-mini"));
  });

  test("x-amzn-errortype reaches the core: a service quota moves on to the next target, not answered as the client's 400", async () => {
    emulator.addFault({ provider: "aws-bedrock", status: 400, times: 1,
      headers: { "x-amzn-errortype": "ServiceQuotaExceededException:http://internal.amazon.com/coral/com.amazon.bedrock/" } });
    const res = await llmroute.chat({ model: "bedrock", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-llmroute-provider"), "openai");
    assert.deepEqual(parseAttempts(res.headers.get("x-llmroute-attempts")).map((a) => [a.target, a.outcome, a.status]), [
      [`aws-bedrock/${MODEL}`, "target_error", 400], ["openai/gpt-4o-mini", "ok", 200]]);

    // The same status with ValidationException is the client's: answered, with the class as its code.
    emulator.addFault({ provider: "aws-bedrock", status: 400, times: 1 });
    const invalid = await llmroute.chat({ model: "bedrock", messages: [{ role: "user", content: "hi" }] });
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json()).error.code, "ValidationException");
  });
});

describe("bedrock with BYOK: the gateway signs", () => {
  let emulator;
  let llmroute;
  before(async () => {
    emulator = await startEmulator({ byok: true, gatewayToken: TEST_SECRETS.CF_AIG_TOKEN });
    llmroute = await startLlmroute({
      gatewayUrl: emulator.url,
      secrets: { CF_AIG_TOKEN: TEST_SECRETS.CF_AIG_TOKEN, ...AWS_SECRETS },
      config: { ...CONFIG, gateway: { byok: ["aws-bedrock"] }, routes: { bedrock: { targets: [`aws-bedrock/${MODEL}`] } } },
    });
  });
  after(async () => {
    await llmroute?.dispose();
    await emulator?.close();
  });

  test("nothing is signed and no AWS header is sent, only the gateway token", async () => {
    const res = await llmroute.chat({ model: "bedrock", messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, replyText("aws-bedrock", MODEL_ID));
    const sent = emulator.requests[0].headers;
    assert.equal(sent.authorization, undefined);
    assert.equal(sent["x-amz-date"], undefined);
    assert.equal(sent["x-amz-security-token"], undefined);
    assert.equal(sent["cf-aig-authorization"], `Bearer ${TEST_SECRETS.CF_AIG_TOKEN}`);
  });
});
