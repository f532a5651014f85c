// Runs the real Worker (wrangler.toml, the built llmroute.wasm) in workerd through wrangler's
// unstable_startWorker, on loopback, for the integration tests. Kept outside tests/worker/ because
// `node --test <folder>` runs every file in it.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

// Nothing may try to leave the machine, and wrangler's logs stay in the project.
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_LOG_PATH ??= `${root}logs/wrangler`;
mkdirSync(process.env.WRANGLER_LOG_PATH, { recursive: true });

// wrangler is a dependency of worker/, not of the test folder.
const requireFromWorker = createRequire(`${root}worker/package.json`);
const { unstable_startWorker } = await import(requireFromWorker.resolve("wrangler"));

/** Test secrets: distinctive values, so a leak anywhere can be searched for. */
export const TEST_SECRETS = Object.freeze({
  OPENAI_API_KEY: "sk-test-openai-4f9c2a7e1b",
  ANTHROPIC_API_KEY: "sk-ant-test-8d3e6b0c5a",
  GOOGLE_AI_STUDIO_API_KEY: "AIza-test-gemini-2c7f9e4b",
  CF_AIG_TOKEN: "cf-aig-test-token-71e4d2",
});

/** Client keys of the tests: one ordinary, one admin. The configs hold only their SHA-256. */
export const TEST_CLIENT_KEY = "llmr_test_client_3e8a51c0";
export const TEST_ADMIN_KEY = "llmr_test_admin_6f02d9b4";
export const sha256Hex = (text) => createHash("sha256").update(text).digest("hex");

export const bundledConfig = JSON.parse(readFileSync(`${root}worker/config/llmroute.config.json`, "utf8"));

/** `config` with the test keys added (unless it brings keys of its own). */
export function withTestKeys(config) {
  if (config.keys) return config;
  return {
    ...config,
    keys: [
      { name: "test-client", sha256: sha256Hex(TEST_CLIENT_KEY) },
      { name: "test-admin", sha256: sha256Hex(TEST_ADMIN_KEY), admin: true },
    ],
  };
}

/**
 * Starts the Worker against `gatewayUrl` (the emulator).
 * @param {{gatewayUrl: string, secrets?: Record<string,string>, config?: object|string}} options
 *   secrets: Worker secrets (default: the OpenAI key only); config: the routing config, passed
 *   through the LLMROUTE_CONFIG var (default: the bundled one), with the test keys added; a string
 *   is passed as is, to test invalid JSON. persist: a folder keeping the Durable Object's SQLite
 *   state across starts (default: none kept); two Workers started with the same folder at once share
 *   it. vars: more plain-text vars, e.g. {LLMROUTE_CONFIG_REFRESH_MS: "0"}. inspectorPort: open the DevTools inspector on this
 *   loopback port (for profiling; default: none).
 */
export async function startLlmroute({ gatewayUrl, secrets = { OPENAI_API_KEY: TEST_SECRETS.OPENAI_API_KEY }, config = bundledConfig, persist = false, vars = {}, inspectorPort = null }) {
  const bindings = { AI_GATEWAY_BASE_URL: { type: "plain_text", value: gatewayUrl } };
  for (const [name, value] of Object.entries(vars)) bindings[name] = { type: "plain_text", value };
  for (const [name, value] of Object.entries(secrets)) bindings[name] = { type: "secret_text", value };
  bindings.LLMROUTE_CONFIG = { type: "plain_text", value: typeof config === "string" ? config : JSON.stringify(withTestKeys(config)) };
  const worker = await unstable_startWorker({
    config: `${root}wrangler.toml`,
    bindings,
    // A profile needs the functions' own names: the deployed bundle is minified (wrangler.toml).
    ...(inspectorPort ? { build: { minify: false } } : {}),
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: inspectorPort ? { hostname: "127.0.0.1", port: inspectorPort } : false, persist, watch: false, logLevel: process.env.LLMROUTE_TEST_LOG_LEVEL ?? "none" },
  });
  await worker.ready;
  const url = await worker.url;
  return {
    url: url.href.replace(/\/$/, ""),
    fetch: (path, init) => fetch(new URL(path, url), init),
    /** POST a chat completion body (an object) with the test client key, and return the Response. */
    chat: (body, headers = {}) =>
      fetch(new URL("/v1/chat/completions", url), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TEST_CLIENT_KEY}`, ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    /** GET /v1/usage`query` with client key `key`: the JSON answer; throws unless it is a 200. */
    usage: async (key, query = "") => {
      const res = await fetch(new URL(`/v1/usage${query}`, url), { headers: { authorization: `Bearer ${key}` } });
      if (res.status !== 200) throw new Error(`GET /v1/usage${query} answered ${res.status}: ${await res.text()}`);
      return res.json();
    },
    dispose: () => worker.dispose(),
  };
}

/** Parses an x-llmroute-attempts header into [{target, outcome, status, ms, reason}]. */
export function parseAttempts(header) {
  if (!header) return [];
  return header.split(", ").map((entry) => {
    const [target, ...params] = entry.split(";");
    const out = { target };
    for (const p of params) {
      const [k, v] = p.split("=");
      out[k] = k === "status" || k === "ms" ? Number(v) : v;
    }
    return out;
  });
}
