// The benchmark suite of BENCHMARKS.md: runs every measure and prints ONE table, each figure beside
// its target and its ratio to a baseline measured in the same run. Run it through tests/bench/run.sh,
// which builds first. Nothing here asserts a timing: the machine is shared and noisy. Every timing
// is the median over rounds, and each round measures the figure and its baseline one after the other.
//   node tests/bench/suite.mjs [--smoke] [--json FILE]
//   --smoke: one short round of everything (CI runs it, to prove the suite still works)
//   --only native,sizes,workerd,load: some sections only
//   --cases plain,streaming,fallback,budget: some load cases only
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { startEmulator } from "../emulator/emulator.mjs";
import { answer, config as cycleConfig, environment, meta, request } from "../support/cycle_inputs.mjs";
import { compileModule, newCore } from "../support/load_core.mjs";
import { bundledConfig, sha256Hex, startLlmroute, TEST_CLIENT_KEY } from "../support/worker_harness.mjs";
import { bundleSizes } from "./sizes.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const requireFromWorker = createRequire(`${root}worker/package.json`);
const { unstable_startWorker } = await import(requireFromWorker.resolve("wrangler"));
const autocannon = requireFromWorker("autocannon");

const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
const jsonOut = args.includes("--json") ? args[args.indexOf("--json") + 1] : null;
const only = args.includes("--only") ? new Set(args[args.indexOf("--only") + 1].split(",")) : null;
const wanted = (section) => only === null || only.has(section);
const loadCases = args.includes("--cases") ? new Set(args[args.indexOf("--cases") + 1].split(",")) : null;

// How much of everything: smoke proves the suite runs; full gives figures worth reading.
const plan = smoke
  ? { nativeRounds: 1, nativeMinTime: 0.01, cycleRounds: 1, cyclesPerRequest: 200, loadRounds: 1, loadSeconds: 1, instantiations: 5 }
  : { nativeRounds: 3, nativeMinTime: 0.1, cycleRounds: 7, cyclesPerRequest: 400, loadRounds: 5, loadSeconds: 4, instantiations: 50 };
const LOAD_CONNECTIONS = 8;

// The targets of issue 8.
const TARGETS = {
  nativeCycleUs: 20, wasmCycleUs: 60, streamMBps: 200, streamChunkUs: 2,
  addedCpuPlainUs: 50, addedCpuFallbackUs: 100, bundleRawKB: 300, bundleGzipKB: 100, instantiateMs: 5,
};

const rows = [];  // {section, figure, value, unit, target, targetKind: "max"|"min"|null, baseline, baselineLabel}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const log = (...m) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0)}s]`, ...m);
const t0 = performance.now();

// ---- 1. native stages (Google Benchmark), whole-binary rounds ------------------------------------
function nativeSection() {
  const binary = `${root}build/llmroute_bench`;
  const runs = new Map();  // name -> [{cpu_ns, bytes_per_second, ns_per_chunk}]
  for (let round = 0; round < plan.nativeRounds; round++) {
    log(`native round ${round + 1}/${plan.nativeRounds}`);
    const out = execFileSync(binary, [`--benchmark_min_time=${plan.nativeMinTime}`, "--benchmark_format=json"], { maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] });
    for (const b of JSON.parse(out).benchmarks) {
      if (b.error_occurred) throw new Error(`${b.name}: ${b.error_message}`);
      const scale = { ns: 1, us: 1e3, ms: 1e6 }[b.time_unit];
      const entry = { cpuNs: b.cpu_time * scale, mbps: b.bytes_per_second / 1e6, chunkNs: b.ns_per_chunk };
      runs.set(b.name, [...(runs.get(b.name) ?? []), entry]);
    }
  }
  const med = (name, field) => median(runs.get(name).map((r) => r[field]));
  const parseUs = med("BM_Baseline_NlohmannParse", "cpuNs") / 1e3;
  const parse = { baseline: parseUs, baselineLabel: "nlohmann parse of the 2 KB request" };
  const add = (figure, value, unit, extra = {}) => rows.push({ section: "native", figure, value, unit, ...extra });

  add("core cycle, C++ API (2 KB request, 1 KB answer)", med("BM_CoreCycle", "cpuNs") / 1e3, "µs", { target: TARGETS.nativeCycleUs, targetKind: "max", ...parse });
  add("core cycle through the C ABI (JSON events)", med("BM_AbiCycle", "cpuNs") / 1e3, "µs", { target: TARGETS.nativeCycleUs, targetKind: "max", ...parse });
  add("stage: request parse (2 KB)", med("BM_Stage_RequestParse", "cpuNs") / 1e3, "µs", parse);
  add("stage: authenticate the client key", med("BM_Stage_Authenticate", "cpuNs") / 1e3, "µs", parse);
  add("stage: routing decision (plan)", med("BM_Stage_RoutePlan", "cpuNs") / 1e3, "µs", parse);
  for (const p of ["openai", "anthropic", "google-ai-studio", "aws-bedrock", "groq"]) {
    add(`stage: request translation, ${p}`, med(`BM_Stage_RequestTranslate/${p}`, "cpuNs") / 1e3, "µs", parse);
  }
  for (const p of ["openai", "anthropic", "google-ai-studio", "aws-bedrock"]) {
    add(`stage: answer parse (1 KB), ${p}`, med(`BM_Stage_AnswerParse/${p}`, "cpuNs") / 1e3, "µs", parse);
  }
  add("stage: pricing", med("BM_Stage_Pricing", "cpuNs") / 1e3, "µs", parse);
  add("stage: budget arithmetic (worst case, 3 windows)", med("BM_Stage_BudgetArithmetic", "cpuNs") / 1e3, "µs", parse);
  const sse = { baseline: med("BM_Baseline_SseDecode", "chunkNs") / 1e3, baselineLabel: "SSE decoding alone, per event" };
  const sseMBps = { baseline: med("BM_Baseline_SseDecode", "mbps"), baselineLabel: "SSE decoding alone" };
  for (const p of ["openai", "anthropic", "google-ai-studio", "groq", "aws-bedrock"]) {
    const name = `BM_Stage_StreamTranslate/${p}`;
    const required = ["openai", "anthropic", "google-ai-studio"].includes(p);
    add(`stream translation, ${p}: throughput`, med(name, "mbps"), "MB/s", required ? { target: TARGETS.streamMBps, targetKind: "min", ...sseMBps } : sseMBps);
    add(`stream translation, ${p}: per chunk`, med(name, "chunkNs") / 1e3, "µs", required ? { target: TARGETS.streamChunkUs, targetKind: "max", ...sse } : sse);
  }
  add("streamed call through the C ABI (openai), per chunk", med("BM_AbiStreamCycle", "chunkNs") / 1e3, "µs", { target: TARGETS.streamChunkUs, targetKind: "max", ...sse });
}

// ---- process CPU time ------------------------------------------------------------------------------

function processes() {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^(\d+) \((.*)\) \S (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (m) out.push({ pid: Number(m[1]), comm: m[2], ppid: Number(m[3]) });
    } catch { /* it ended meanwhile */ }
  }
  return out;
}

/** The workerd processes below this one: started by wrangler for each Worker. */
function workerdPids() {
  const all = processes();
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); grew = true; }
  }
  return new Set(all.filter((p) => mine.has(p.pid) && p.comm.startsWith("workerd")).map((p) => p.pid));
}

/**
 * CPU time of the processes `pids`, in ns: the sum over their threads of /proc/<pid>/task/<tid>/
 * schedstat's first field (ns on the CPU), which resolves what stat's utime+stime (10 ms clock
 * ticks) cannot. Falls back to utime+stime where schedstat is missing.
 */
function cpuNs(pids) {
  let total = 0;
  for (const pid of pids) {
    let tasks = [];
    try { tasks = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tasks) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        try {
          const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
          total += (Number(fields[11]) + Number(fields[12])) * 1e7;  // utime, stime in 100 Hz ticks
        } catch { /* the thread ended */ }
      }
    }
  }
  return total;
}

/**
 * Starts a Worker and returns it with the workerd processes it brought. wrangler starts two per
 * Worker (its proxy and the Worker's own), the second a moment after the first is ready: wait until
 * none has appeared for a while, or the next Worker started would be charged with it.
 */
async function startWith(start) {
  const before = workerdPids();
  const worker = await start();
  const fresh = () => new Set([...workerdPids()].filter((pid) => !before.has(pid)));
  let pids = fresh();
  for (let stableMs = 0, waitedMs = 0; stableMs < 1500 && waitedMs < 15000; waitedMs += 250) {
    await sleep(250);
    const now = fresh();
    stableMs = now.size === pids.size ? stableMs + 250 : 0;
    pids = now;
  }
  if (pids.size === 0) throw new Error("no workerd process appeared for the Worker");
  return { ...worker, pids };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- 2. the cycle through llmroute.wasm inside workerd ---------------------------------------------
async function workerdCycleSection() {
  const inputs = JSON.stringify({ config: cycleConfig, environment, meta, request, answer });
  const worker = await startWith(async () => {
    const w = await unstable_startWorker({
      config: `${root}tests/bench/workerd/cycle.wrangler.toml`,
      bindings: { BENCH_INPUTS: { type: "plain_text", value: inputs } },
      dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, logLevel: "none" },
    });
    await w.ready;
    const url = await w.url;
    return { url, dispose: () => w.dispose() };
  });
  try {
    // CPU of one request running `n` of `kind`.
    const measure = async (kind, n) => {
      const before = cpuNs(worker.pids);
      const res = await fetch(new URL(`/?kind=${kind}&n=${n}`, worker.url));
      if (res.status !== 200) throw new Error(`cycle worker: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      return cpuNs(worker.pids) - before;
    };
    const n = plan.cyclesPerRequest;
    // Warm up until V8 has tiered the module and the JS up: its compiler threads' CPU counts too.
    for (let i = 0; i < 3; i++) for (const kind of ["wasm", "js", "noop"]) await measure(kind, n);
    const wasm = [], js = [], inst = [];
    for (let round = 0; round < plan.cycleRounds; round++) {
      log(`workerd cycle round ${round + 1}/${plan.cycleRounds}`);
      const noop = await measure("noop", 1);
      wasm.push((await measure("wasm", n) - noop) / n);
      js.push((await measure("js", n) - noop) / n);
      inst.push((await measure("instantiate", 20) - noop) / 20);
    }
    const jsUs = median(js) / 1e3;
    const base = { baseline: jsUs, baselineLabel: "JS: parse request, stringify upstream body, parse answer" };
    rows.push({ section: "wasm in workerd", figure: "core cycle through llmroute.wasm (CPU per cycle)", value: median(wasm) / 1e3, unit: "µs", target: TARGETS.wasmCycleUs, targetKind: "max", ...base });
    rows.push({ section: "wasm in workerd", figure: "instantiate the compiled module (CPU)", value: median(inst) / 1e6, unit: "ms", target: TARGETS.instantiateMs, targetKind: "max" });
  } finally {
    await worker.dispose();
  }
}

// ---- 3. the Worker under load against the emulator -------------------------------------------------
const BUDGET_KEY = "llmr_bench_budgeted_51c2";

function loadConfig() {
  return {
    ...bundledConfig,
    routes: {
      ...bundledConfig.routes,
      // One try at the first target, whose answers the emulator turns into 503s, then the second.
      fallback: { targets: [{ model: "openai/gpt-4o-mini", retry: { attempts: 1 } }, "openai/gpt-4o"] },
    },
    keys: [
      { name: "bench", sha256: sha256Hex(TEST_CLIENT_KEY) },
      // Budgets and a request limit that the load never reaches: every check runs, none refuses.
      { name: "budgeted", sha256: sha256Hex(BUDGET_KEY), budgets: [{ usd: "1000000", window: "day" }, { usd: "1000000", window: "month" }], requests_per_minute: 1000000 },
    ],
  };
}

async function loadSection() {
  const emulator = await startEmulator();
  const llmroute = await startWith(() => startLlmroute({ gatewayUrl: emulator.url, config: loadConfig() }));
  const passthrough = await startWith(async () => {
    const w = await unstable_startWorker({
      config: `${root}tests/bench/workerd/passthrough.wrangler.toml`,
      bindings: {
        AI_GATEWAY_BASE_URL: { type: "plain_text", value: emulator.url },
        OPENAI_API_KEY: { type: "secret_text", value: "sk-bench-passthrough-key" },
      },
      dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, logLevel: "none" },
    });
    await w.ready;
    return { url: (await w.url).href.replace(/\/$/, ""), dispose: () => w.dispose() };
  });
  try {
    const body = (model, extra = {}) => JSON.stringify({ ...JSON.parse(request), model, ...extra });
    const auth = (key) => ({ "content-type": "application/json", authorization: `Bearer ${key}` });
    const routed = (model, key, extra) => ({ worker: llmroute, path: "/v1/chat/completions", headers: auth(key), body: body(model, extra) });
    const direct = (extra) => ({ worker: passthrough, path: "/", headers: { "content-type": "application/json" }, body: body("gpt-4o-mini", extra) });
    const cases = [
      { id: "plain", name: "plain", run: routed("chat", TEST_CLIENT_KEY), base: direct(), target: TARGETS.addedCpuPlainUs },
      { id: "streaming", name: "streaming", run: routed("chat", TEST_CLIENT_KEY, { stream: true }), base: direct({ stream: true }), target: TARGETS.addedCpuPlainUs },
      { id: "fallback", name: "one fallback (503, then 200)", run: routed("fallback", TEST_CLIENT_KEY), base: direct(), target: TARGETS.addedCpuFallbackUs,
        fault: { provider: "openai", model: "gpt-4o-mini", status: 503, times: "Infinity" } },
      { id: "budget", name: "budget and rate-limit checks", run: routed("chat", BUDGET_KEY), base: direct(), target: TARGETS.addedCpuPlainUs },
    ].filter((c) => loadCases === null || loadCases.has(c.id));
    // CPU per 2xx request of one bounded autocannon run.
    const sample = async ({ worker, path, headers, body: payload }, fault) => {
      if (fault) emulator.addFault(fault);
      const before = cpuNs(worker.pids);
      const result = await autocannon({ url: worker.url + path, method: "POST", headers, body: payload, connections: LOAD_CONNECTIONS, duration: plan.loadSeconds });
      await sleep(200);  // let waitUntil work (ledger writes) finish inside the measure
      const used = cpuNs(worker.pids) - before;
      emulator.clearFaults();
      emulator.requests.length = 0;  // the emulator's request log would grow for the whole run
      const ok = result["2xx"];
      if (ok === 0 || result.non2xx > 0 || result.errors > 0) throw new Error(`load run to ${path}: ${ok} ok, ${result.non2xx} non-2xx, ${result.errors} errors`);
      return { cpuPerRequestNs: used / ok, requestsPerSecond: ok / plan.loadSeconds };
    };
    // Warm both up (JIT, the ledger's tables) outside the measure.
    await sample(cases[0].run); await sample(cases[0].base);
    const results = cases.map(() => ({ run: [], base: [], added: [], rps: [] }));
    for (let round = 0; round < plan.loadRounds; round++) {
      for (const [i, c] of cases.entries()) {
        log(`load round ${round + 1}/${plan.loadRounds}: ${c.name}`);
        // Alternate which goes first, so that neither always meets the other's leftovers.
        const first = round % 2 === 0;
        const a = first ? await sample(c.run, c.fault) : await sample(c.base);
        const b = first ? await sample(c.base) : await sample(c.run, c.fault);
        const [run, base] = first ? [a, b] : [b, a];
        results[i].run.push(run.cpuPerRequestNs); results[i].base.push(base.cpuPerRequestNs);
        results[i].added.push(run.cpuPerRequestNs - base.cpuPerRequestNs); results[i].rps.push(run.requestsPerSecond);
      }
    }
    for (const [i, c] of cases.entries()) {
      const r = results[i];
      rows.push({ section: "Worker under load", figure: `added CPU per request: ${c.name}`, value: median(r.added) / 1e3, unit: "µs", target: c.target, targetKind: "max",
        baseline: median(r.base) / 1e3, baselineLabel: "passthrough Worker's CPU per request", ratio: median(r.run) / median(r.base),
        note: `llmroute ${(median(r.run) / 1e3).toFixed(0)} µs/request, ${median(r.rps).toFixed(0)} requests/s; added over ${r.added.length} rounds: ${(Math.min(...r.added) / 1e3).toFixed(0)} to ${(Math.max(...r.added) / 1e3).toFixed(0)} µs` });
    }
  } finally {
    await llmroute.dispose();
    await passthrough.dispose();
    await emulator.close();
  }
}

// ---- 4. sizes and start ------------------------------------------------------------------------------
function sizeSection() {
  const s = bundleSizes();
  const kb = (n) => n / 1024;
  rows.push({ section: "size and start", figure: "Worker bundle (wrangler dry-run: JS, configs and .wasm), raw", value: kb(s.bundleRaw), unit: "KB", target: TARGETS.bundleRawKB, targetKind: "max" });
  rows.push({ section: "size and start", figure: "Worker bundle, gzip -9", value: kb(s.bundleGzip), unit: "KB", target: TARGETS.bundleGzipKB, targetKind: "max" });
  rows.push({ section: "size and start", figure: "llmroute.wasm, raw", value: kb(s.wasmRaw), unit: "KB", target: TARGETS.bundleRawKB, targetKind: "max" });
  rows.push({ section: "size and start", figure: "llmroute.wasm, gzip -9", value: kb(s.wasmGzip), unit: "KB", target: TARGETS.bundleGzipKB, targetKind: "max" });
  const times = [];
  compileModule();  // warm up
  for (let i = 0; i < plan.instantiations; i++) {
    const start = performance.now();
    newCore(compileModule());
    times.push(performance.now() - start);
  }
  rows.push({ section: "size and start", figure: "compile + instantiate llmroute.wasm (Node, wall)", value: median(times), unit: "ms", target: TARGETS.instantiateMs, targetKind: "max" });
}

// ---- the table -----------------------------------------------------------------------------------------
function fmt(value, unit) {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function printTable() {
  const lines = [];
  lines.push(`| section | figure | value | target | baseline | ratio to baseline | met? |`);
  lines.push(`| --- | --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) {
    const target = r.target === undefined ? "—" : `${r.targetKind === "min" ? "≥" : "≤"} ${r.target} ${r.unit}`;
    const ratio = r.ratio ?? (r.baseline ? r.value / r.baseline : null);
    const baseline = r.baseline === undefined ? "—" : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`;
    let met = "—";
    if (r.target !== undefined) {
      const ok = r.targetKind === "min" ? r.value >= r.target : r.value <= r.target;
      const by = r.targetKind === "min" ? r.target / r.value : r.value / r.target;
      met = ok ? "met" : `missed (${by.toFixed(1)}x)`;
    }
    const figure = r.note ? `${r.figure} (${r.note})` : r.figure;
    lines.push(`| ${r.section} | ${figure} | ${fmt(r.value, r.unit)} | ${target} | ${baseline} | ${ratio === null ? "—" : `${ratio.toFixed(2)}x`} | ${met} |`);
  }
  console.log(lines.join("\n"));
}

if (wanted("native")) nativeSection();
if (wanted("sizes")) sizeSection();
if (wanted("workerd")) await workerdCycleSection();
if (wanted("load")) await loadSection();
printTable();
log(`done (${smoke ? "smoke" : "full"} mode)`);
if (jsonOut) {
  mkdirSync(join(jsonOut, ".."), { recursive: true });
  writeFileSync(jsonOut, JSON.stringify({ mode: smoke ? "smoke" : "full", date: new Date().toISOString(), rows }, null, 2));
}
// wrangler leaves handles open after dispose(): end here rather than wait for them.
process.exit(0);
