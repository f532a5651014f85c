// The core's full routed cycle through llmroute.wasm in Node, driven exactly as the Worker drives
// it (worker/src/core.mjs), beside a pure-JS baseline measured in the same run. Also the tool for
// comparing builds: give other modules (e.g. a build with other flags) and each is measured in the
// same interleaved rounds. Times are CPU time of this process (process.cpuUsage), less disturbed by
// other work on a shared machine than wall time; medians over batches and rounds.
//   node tests/bench/wasm_cycle.mjs [--quick] [other.wasm ...]
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

import { answer, config, environment, meta, request } from "../support/cycle_inputs.mjs";
import { newCore, wasmPath } from "../support/load_core.mjs";
import { makeJsBaseline, makeWasmCycle } from "./cycle_fns.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const modules = [wasmPath, ...args.filter((a) => a.endsWith(".wasm"))];
const batches = quick ? 5 : 15;
const perBatch = quick ? 100 : 500;
const rounds = quick ? 2 : 5;

const inputs = { config, environment, meta, request, answer };
const contenders = [
  ...modules.map((path) => ({ label: path, run: makeWasmCycle(newCore(new WebAssembly.Module(readFileSync(path))), inputs), samples: [] })),
  { label: "JS baseline: parse request, stringify upstream body, parse answer", run: makeJsBaseline(inputs), samples: [] },
];

const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1e3; };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function batchMedianNs(fn) {
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const start = cpuNs();
    for (let i = 0; i < perBatch; i++) fn();
    samples.push((cpuNs() - start) / perBatch);
  }
  return median(samples);
}

for (const c of contenders) for (let i = 0; i < perBatch; i++) c.run();  // warm up (and tier up)
// Interleave so that every contender sees the same machine conditions.
for (let round = 0; round < rounds; round++) for (const c of contenders) c.samples.push(batchMedianNs(c.run));

const base = median(contenders.at(-1).samples);
console.log("| cycle | CPU per cycle | ratio to JS baseline | module size (raw, gzip -9) |");
console.log("| --- | --- | --- | --- |");
for (const c of contenders) {
  const ns = median(c.samples);
  let size = "";
  if (c.label.endsWith(".wasm")) {
    const raw = readFileSync(c.label);
    size = `${(raw.length / 1024).toFixed(1)} KB, ${(gzipSync(raw, { level: 9 }).length / 1024).toFixed(1)} KB`;
  }
  console.log(`| ${c.label} | ${(ns / 1000).toFixed(1)} µs | ${(ns / base).toFixed(2)}x | ${size} |`);
}
