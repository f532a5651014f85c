// A bench Worker: runs the core's cycle through the built llmroute.wasm inside workerd, beside the
// JavaScript baseline, n times per request. workerd freezes its clocks while JavaScript runs (they
// move only on I/O), so the Worker times nothing itself: tests/bench/suite.mjs reads the workerd
// process's CPU time around each request.
//   GET /?kind=wasm|js|instantiate|noop&n=N    BENCH_INPUTS: the cycle's inputs, as JSON text
import wasmModule from "../../../worker/build/llmroute.wasm";
import { Core } from "../../../worker/src/core.mjs";
import { makeJsBaseline, makeWasmCycle } from "../cycle_fns.mjs";

const core = new Core(wasmModule);  // at module scope, as the Worker does
let runners = null;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "1");
    runners ??= prepare(JSON.parse(env.BENCH_INPUTS));
    const run = runners[url.searchParams.get("kind")];
    if (!run) return new Response("unknown kind", { status: 400 });
    for (let i = 0; i < n; i++) run();
    return new Response("ok");
  },
};

function prepare(inputs) {
  return {
    wasm: makeWasmCycle(core, inputs),
    js: makeJsBaseline(inputs),
    // Instantiating the already compiled module (workerd compiles it when it loads the Worker).
    instantiate: () => new Core(wasmModule),
    noop: () => {},
  };
}
