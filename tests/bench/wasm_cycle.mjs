// The core's full routed cycle through the built llmroute.wasm, driven from JavaScript exactly as
// the Worker drives it (worker/src/core.mjs), beside a pure-JS baseline measured in the same run:
// JSON.parse of the request, JSON.stringify of the upstream body, JSON.parse of the answer, which is
// the least any JavaScript router must do. Prints medians over batches and their ratio.
//   node tests/bench/wasm_cycle.mjs [--quick]
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

import { answer, config, environment, meta, request } from "../support/cycle_inputs.mjs";
import { compileModule, newCore, wasmPath } from "../support/load_core.mjs";
import { makeJsBaseline, makeWasmCycle } from "./cycle_fns.mjs";

const quick = process.argv.includes("--quick");
const batches = quick ? 5 : 31;
const perBatch = quick ? 200 : 2000;

const core = newCore();
const inputs = { config, environment, meta, request, answer };
const wasmCycle = makeWasmCycle(core, inputs);
const jsBaseline = makeJsBaseline(inputs);

function medianNs(fn) {
  for (let i = 0; i < perBatch; i++) fn();  // warm up
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) fn();
    samples.push(((performance.now() - t0) * 1e6) / perBatch);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// Interleave so that both see the same machine conditions.
const wasm = [];
const base = [];
for (let round = 0; round < 3; round++) {
  wasm.push(medianNs(wasmCycle));
  base.push(medianNs(jsBaseline));
}
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const wasmNs = med(wasm);
const baseNs = med(base);

const t0 = performance.now();
const instances = quick ? 5 : 50;
for (let i = 0; i < instances; i++) newCore(compileModule());
const instantiateMs = (performance.now() - t0) / instances;

const raw = readFileSync(wasmPath);
console.log("| measure | value | ratio to JS baseline |");
console.log("| --- | --- | --- |");
console.log(`| core cycle through llmroute.wasm (median) | ${(wasmNs / 1000).toFixed(1)} µs | ${(wasmNs / baseNs).toFixed(2)}x |`);
console.log(`| JS baseline: parse request, stringify upstream body, parse answer | ${(baseNs / 1000).toFixed(1)} µs | 1.00x |`);
console.log(`| compile + instantiate the module | ${instantiateMs.toFixed(2)} ms | |`);
console.log(`| llmroute.wasm size | ${raw.length} B raw, ${gzipSync(raw, { level: 9 }).length} B gzip | |`);
