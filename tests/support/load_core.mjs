// Loads the built llmroute.wasm into the Worker's own core.mjs, in Node, for module tests and the
// Wasm benchmark.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Core } from "../../worker/src/core.mjs";

export const wasmPath = fileURLToPath(new URL("../../worker/build/llmroute.wasm", import.meta.url));
export const headerPath = fileURLToPath(new URL("../../wasm/llmroute.h", import.meta.url));

export function compileModule() {
  return new WebAssembly.Module(readFileSync(wasmPath));
}

export function newCore(module = compileModule()) {
  return new Core(module);
}
