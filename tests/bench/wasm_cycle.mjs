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

const quick = process.argv.includes("--quick");
const batches = quick ? 5 : 31;
const perBatch = quick ? 200 : 2000;
const encoder = new TextEncoder();

const core = newCore();
const router = core.routerNew({ config, environment }).handle;
const requestBytes = encoder.encode(request);

function wasmCycle() {
  // The client body arrives as bytes, the upstream answer too: both cross as raw bytes.
  const call = core.callNew(router, meta, requestBytes).handle;
  const sent = core.step(call, { type: "client_request_received", now_ms: 1000, seed: 1 });
  core.step(call, { type: "upstream_responded", attempt: 1, now_ms: 1010, status: 200, headers: { "content-type": "application/json" } });
  core.feed(call, 1, encoder.encode(answer));
  const done = core.step(call, { type: "upstream_ended", attempt: 1, now_ms: 1020 });
  core.callFree(call);
  if (sent.actions.length !== 1 || !done.done) throw new Error("the cycle did not complete");
}

function jsBaseline() {
  const doc = JSON.parse(request);
  doc.model = "gpt-4o-mini";
  const upstream = JSON.stringify(doc);
  const parsed = JSON.parse(answer);
  if (!upstream || !parsed.usage) throw new Error("baseline broke");
}

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
