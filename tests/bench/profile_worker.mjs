// A CPU profile of the real Worker inside workerd under load: starts the emulator and the Worker
// with its inspector on, drives requests with autocannon, records a V8 sampling profile through the
// DevTools protocol, prints the functions with the most self time and writes the whole profile
// (open it in Chrome DevTools' Performance panel).
//   node tests/bench/profile_worker.mjs [plain|streaming] [seconds]
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { startEmulator } from "../emulator/emulator.mjs";
import { request } from "../support/cycle_inputs.mjs";
import { bundledConfig, startLlmroute, TEST_CLIENT_KEY } from "../support/worker_harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const requireFromWorker = createRequire(`${root}worker/package.json`);
const autocannon = requireFromWorker("autocannon");
const WebSocket = requireFromWorker("ws");  // wrangler's inspector proxy refuses Node 20's own client
const [mode = "plain", seconds = "5"] = process.argv.slice(2);
const INSPECTOR_PORT = 9329;

const emulator = await startEmulator();
const llmroute = await startLlmroute({ gatewayUrl: emulator.url, config: bundledConfig, inspectorPort: INSPECTOR_PORT });
try {
  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json();
  const target = targets.find((t) => !/ProxyWorker|miniflare/i.test(t.title ?? "")) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let nextId = 1;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data.toString());
    if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  };
  const send = (method, params = {}) => new Promise((resolve) => { const id = nextId++; pending.set(id, resolve); ws.send(JSON.stringify({ id, method, params })); });

  const body = JSON.stringify({ ...JSON.parse(request), stream: mode === "streaming" });
  const load = (duration) => autocannon({ url: `${llmroute.url}/v1/chat/completions`, method: "POST", body, connections: 8, duration,
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_CLIENT_KEY}` } });
  await load(1);  // warm up
  emulator.requests.length = 0;
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const result = await load(Number(seconds));
  const { result: { profile } } = await send("Profiler.stop");
  ws.close();

  const out = `${root}logs/worker-${mode}.cpuprofile`;
  mkdirSync(`${root}logs`, { recursive: true });
  writeFileSync(out, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id).callFrame;
    const name = `${frame.functionName || "(anonymous)"} ${frame.url ? frame.url.replace(/^.*\//, "") : ""}`.trim();
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  console.log(`${result["2xx"]} requests answered in ${seconds} s; profile in ${out}`);
  console.log("| self time | function |\n| --- | --- |");
  for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`| ${((100 * t) / total).toFixed(1)}% | ${name.slice(0, 140).replaceAll("|", "\\|")} |`);
} finally {
  await llmroute.dispose();
  await emulator.close();
}
process.exit(0);
