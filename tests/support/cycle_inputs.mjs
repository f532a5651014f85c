// The inputs of one benchmark cycle, the same shapes as native/bench/cycle_bench.cpp: a ~2 KB
// client request and a ~1 KB OpenAI answer, plus a two-target config. Written for llmroute.
import { createHash } from "node:crypto";

/** The client key the cycle presents; the config holds its SHA-256. */
export const meta = { api_key: "llmr_cycle_key" };

export const config = {
  keys: [{ name: "cycle", sha256: createHash("sha256").update(meta.api_key).digest("hex") }],
  routes: {
    chat: {
      targets: [
        { model: "openai/gpt-4o-mini", retry: { attempts: 2, backoff_initial_ms: 100, backoff_max_ms: 1000 }, timeout_ms: 5000 },
        { model: "openai/gpt-4o", retry: { attempts: 1 }, timeout_ms: 5000 },
      ],
      deadline_ms: 20000,
    },
  },
  prices: {
    "openai/gpt-4o-mini": { input: "0.15", output: "0.60", cached_input: "0.075" },
    "openai/gpt-4o": { input: "2.50", output: "10.00" },
  },
};

export const environment = { gateway_base_url: "http://127.0.0.1:9/v1/acct/gw", secrets_set: ["OPENAI_API_KEY"] };

let filler = "";
while (filler.length < 1400) filler += "The quick brown fox jumps over the lazy dog. ";

export const request = JSON.stringify({
  model: "chat",
  messages: [
    { role: "system", content: `You are a concise assistant for an operations team. ${filler}` },
    { role: "user", content: "What changed in the last deploy?" },
    { role: "assistant", content: "Two services were updated: billing and search." },
    { role: "user", content: "Summarise the billing change in one sentence." },
  ],
  temperature: 0.2,
  max_tokens: 256,
  tools: [{ type: "function", function: { name: "lookup_deploy", parameters: { type: "object" } } }],
});

let text = "";
while (text.length < 600) text += "Billing now retries failed card payments twice before alerting. ";

export function openaiAnswer(prompt, completion, cached = 0, content = "Hi!") {
  return JSON.stringify({
    id: "chatcmpl-test1", object: "chat.completion", created: 1700000000, model: "gpt-4o-mini-2024-07-18",
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop" }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } },
  });
}

export const answer = openaiAnswer(520, 140, 256, text);
