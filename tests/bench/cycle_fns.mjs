// One routed cycle through the core, and the JavaScript baseline it is compared with, shared by the
// Node benchmark (wasm_cycle.mjs) and the one inside workerd (workerd/cycle_worker.mjs). No Node
// imports here: workerd loads this file too.

/**
 * The cycle the Worker drives for one non-streamed request: call_new with the client's bytes, the
 * start event, the upstream head, the answer's bytes, the end. Returns a function running it once.
 * @param {import("../../worker/src/core.mjs").Core} core
 * @param {{config: object, environment: object, meta: object, request: string, answer: string}} inputs
 */
export function makeWasmCycle(core, inputs) {
  const encoder = new TextEncoder();
  const created = core.routerNew({ config: inputs.config, environment: inputs.environment });
  if (created.error) throw new Error(`bench config refused: ${created.error.message}`);
  const router = created.handle;
  const requestBytes = encoder.encode(inputs.request);
  return function wasmCycle() {
    // The client body arrives as bytes, the upstream answer too: both cross as raw bytes.
    const call = core.callNew(router, inputs.meta, requestBytes).handle;
    const sent = core.step(call, { type: "client_request_received", now_ms: 1000, seed: 1 });
    core.step(call, { type: "upstream_responded", attempt: 1, now_ms: 1010, status: 200, headers: { "content-type": "application/json" } });
    core.feed(call, 1, encoder.encode(inputs.answer));
    const done = core.step(call, { type: "upstream_ended", attempt: 1, now_ms: 1020 });
    core.callFree(call);
    if (sent.actions.length !== 1 || !done.done) throw new Error("the cycle did not complete");
  };
}

/**
 * The least any JavaScript router must do for the same request: parse the client's JSON, write the
 * upstream body, parse the answer.
 */
export function makeJsBaseline(inputs) {
  return function jsBaseline() {
    const doc = JSON.parse(inputs.request);
    doc.model = "gpt-4o-mini";
    const upstream = JSON.stringify(doc);
    const parsed = JSON.parse(inputs.answer);
    if (!upstream || !parsed.usage) throw new Error("baseline broke");
  };
}
