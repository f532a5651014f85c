// The built llmroute.wasm through worker/src/core.mjs, as the Worker uses it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { CoreError } from "../../worker/src/core.mjs";
import { answer, config, environment, meta, openaiAnswer, request } from "../support/cycle_inputs.mjs";
import { compileModule, headerPath, newCore } from "../support/load_core.mjs";

const encoder = new TextEncoder();
const module = compileModule();

test("the module exports exactly the functions llmroute.h declares, and imports only what we stub", () => {
  const declared = [...readFileSync(headerPath, "utf8").matchAll(/^\S[^(\n]*\b(llmroute_\w+)\(/gm)].map((m) => m[1]).sort();
  assert.ok(declared.length >= 10);
  const exported = WebAssembly.Module.exports(module).filter((e) => e.kind === "function" && e.name.startsWith("llmroute_")).map((e) => e.name).sort();
  assert.deepEqual(exported, declared);
  assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === "memory" && e.kind === "memory"));
  const allowed = new Set(["env.emscripten_notify_memory_growth", "wasi_snapshot_preview1.proc_exit",
    "wasi_snapshot_preview1.fd_write", "wasi_snapshot_preview1.fd_close", "wasi_snapshot_preview1.fd_seek"]);
  for (const imp of WebAssembly.Module.imports(module)) assert.ok(allowed.has(`${imp.module}.${imp.name}`), `${imp.module}.${imp.name}`);
});

test("a full cycle gives the same decisions and cost as the native core", () => {
  const core = newCore(module);
  const router = core.routerNew({ config, environment });
  assert.ok(router.handle > 0, JSON.stringify(router.error));
  const call = core.callNew(router.handle, meta, encoder.encode(request));
  assert.ok(call.handle > 0);
  let out = core.step(call.handle, { type: "client_request_received", now_ms: 1000, seed: 42 });
  const [send] = out.actions;
  assert.equal(send.type, "send_upstream");
  assert.equal(send.url, "http://127.0.0.1:9/v1/acct/gw/openai/chat/completions");
  assert.equal(JSON.parse(send.body).model, "gpt-4o-mini");
  assert.deepEqual(send.secret_headers, [{ name: "authorization", secret: "OPENAI_API_KEY", prefix: "Bearer " }]);

  out = core.step(call.handle, { type: "upstream_responded", attempt: 1, now_ms: 1010, status: 503, headers: {} });
  out = core.feed(call.handle, 1, encoder.encode('{"error":{"message":"overloaded"}}'));
  out = core.step(call.handle, { type: "upstream_ended", attempt: 1, now_ms: 1011 });
  assert.deepEqual(out.actions, []);
  assert.ok(out.deadline_ms >= 1011 + 50 && out.deadline_ms <= 1011 + 100);
  out = core.step(call.handle, { type: "timer_fired", now_ms: out.deadline_ms });
  assert.equal(out.actions[0].attempt, 2);

  core.step(call.handle, { type: "upstream_responded", attempt: 2, now_ms: 1200, status: 200, headers: {} });
  const bytes = encoder.encode(answer);
  for (let i = 0; i < bytes.length; i += 100) core.feed(call.handle, 2, bytes.subarray(i, i + 100));
  out = core.step(call.handle, { type: "upstream_ended", attempt: 2, now_ms: 1250 });
  const [respond, record] = out.actions;
  assert.equal(respond.status, 200);
  // 264 uncached x 0.15 + 256 cached x 0.075 + 140 x 0.60 = 39.6 + 19.2 + 84 = 142.8 -> 143
  const priced = JSON.parse(answer);
  Object.assign(priced.usage, { llmroute_cost_usd: 0.000143, llmroute_cost_status: "measured" });
  assert.deepEqual(JSON.parse(respond.body), priced);  // as it came, the cost added to its usage
  assert.equal(respond.headers["x-llmroute-cost-usd"], "0.000143");
  assert.equal(record.cost_micro_usd, 143);
  assert.equal(record.attempts, 2);
  assert.equal(out.done, true);
  core.callFree(call.handle);
  core.routerFree(router.handle);
});

test("an invalid config comes back as problems with paths", () => {
  const core = newCore(module);
  const out = core.routerNew({ config: { routes: { r: { targets: ["bad"] } } }, environment });
  assert.equal(out.error.type, "invalid_config");
  assert.deepEqual(out.error.problems, [{ path: "$.routes.r.targets[0]", message: 'must be "provider/model", e.g. "openai/gpt-4o-mini"' }]);
});

test("hostile input never traps the module", () => {
  const core = newCore(module);
  const router = core.routerNew({ config, environment }).handle;
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const inputs = [new Uint8Array(0), encoder.encode("[".repeat(100000)), encoder.encode('{"model":"chat","messages":[{"role":"user","content":"\\ud800"}]}'),
    Uint8Array.from([0xff, 0xfe, 0x00, 0x7b]), encoder.encode(request.slice(0, 700))];
  for (let i = 0; i < 300; i++) {
    const bytes = encoder.encode(request);
    for (let k = 0; k < 5; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    inputs.push(bytes);
  }
  for (const input of inputs) {
    const call = core.callNew(router, meta, input);
    if (call.error) {
      assert.ok([400, 404, 413].includes(call.error.http_status), JSON.stringify(call.error));
      continue;
    }
    core.step(call.handle, { type: "client_request_received", now_ms: 1, seed: 1 });
    core.feed(call.handle, 1, input);
    core.step(call.handle, { type: "upstream_responded", attempt: 1, now_ms: 2, status: 200, headers: { "retry-after": "abc" } });
    core.feed(call.handle, 1, input);
    core.step(call.handle, { type: "upstream_ended", attempt: 1, now_ms: 3 });
    core.callFree(call.handle);
  }
  assert.equal(core.poisoned, false);
  // Events the core refuses are errors the Worker sees, not traps.
  const call = core.callNew(router, meta, encoder.encode(request)).handle;
  assert.throws(() => core.step(call, { type: "timer_fired", now_ms: 1 }), CoreError);
  assert.throws(() => core.step(call, { type: "nonsense" }), CoreError);
  assert.equal(core.poisoned, false);
});

test("memory stays bounded over many calls", () => {
  const core = newCore(module);
  const router = core.routerNew({ config, environment }).handle;
  const body = encoder.encode(request);
  const run = () => {
    const call = core.callNew(router, meta, body).handle;
    core.step(call, { type: "client_request_received", now_ms: 1, seed: 1 });
    core.step(call, { type: "upstream_responded", attempt: 1, now_ms: 2, status: 200, headers: {} });
    core.feed(call, 1, encoder.encode(openaiAnswer(10, 10)));
    core.step(call, { type: "upstream_ended", attempt: 1, now_ms: 3 });
    core.callFree(call);
  };
  for (let i = 0; i < 200; i++) run();
  const before = core.exports.memory.buffer.byteLength;
  for (let i = 0; i < 3000; i++) run();
  assert.equal(core.exports.memory.buffer.byteLength, before);
});

test("a trap poisons the instance so that the Worker builds a fresh one", () => {
  const core = newCore(module);
  const router = core.routerNew({ config, environment }).handle;
  const call = core.callNew(router, meta, encoder.encode(request)).handle;
  // Stand in for a trap inside the module (an out-of-bounds access or abort).
  core.exports = { ...core.exports, llmroute_call_step: () => { throw new WebAssembly.RuntimeError("unreachable"); } };
  assert.throws(() => core.step(call, { type: "client_request_received", now_ms: 1, seed: 1 }), /core trapped/);
  assert.equal(core.poisoned, true);
  assert.throws(() => core.callNew(router, meta, encoder.encode(request)), /poisoned/);
  const fresh = newCore(module);
  assert.ok(fresh.routerNew({ config, environment }).handle > 0);
});
