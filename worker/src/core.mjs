// The only module that touches the core's WebAssembly memory: it instantiates llmroute.wasm, moves
// bytes in and out, and rebuilds the instance after a trap. Everything else calls the methods here.
// The ABI is documented in wasm/llmroute.h.

const ABI_VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when the core itself fails (a trap or an exhausted memory); answered as a 500. */
export class CoreError extends Error {}

// proc_exit is how an abort() in C++ surfaces: unwind out of the Wasm call with an exception.
class ProcExit extends Error {}

export class Core {
  /** @param {WebAssembly.Module} module */
  constructor(module) {
    const imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      imports[imp.module] ??= {};
      imports[imp.module][imp.name] = imp.name === "proc_exit"
        ? (code) => { throw new ProcExit(`core exited with code ${code}`); }
        : () => 0;  // emscripten_notify_memory_growth and friends: nothing to do
    }
    this.instance = new WebAssembly.Instance(module, imports);
    this.exports = this.instance.exports;
    this.exports._initialize?.();
    const version = this.exports.llmroute_abi_version();
    if (version !== ABI_VERSION) throw new CoreError(`llmroute.wasm speaks ABI ${version}, the Worker ${ABI_VERSION}`);
    this.poisoned = false;
  }

  /** Creates a router; returns {handle, info} or {error} (error.problems for an invalid config). */
  routerNew(doc) {
    const rc = this.#callWithBytes(encoder.encode(JSON.stringify(doc)), (ptr, len) => this.exports.llmroute_router_new(ptr, len));
    const out = this.#result();
    return rc > 0 ? { handle: rc, info: out } : { error: out.error, code: rc };
  }

  // A poisoned instance is dropped whole, its handles with it: nothing to free (as callFree).
  routerFree(handle) {
    if (!this.poisoned) this.#guard(() => this.exports.llmroute_router_free(handle));
  }

  /** Checks a presented client key: {key: {name, admin}} or {error} (a 401). */
  authenticate(router, apiKey) {
    const rc = this.#callWithBytes(encoder.encode(apiKey), (ptr, len) => this.exports.llmroute_router_authenticate(router, ptr, len));
    const out = this.#result();
    return rc === 0 ? out : { error: out.error, code: rc };
  }

  /** Asks the router a question (see llmroute_router_query): the answer object, or {error}. */
  query(router, question) {
    const rc = this.#callWithBytes(encoder.encode(JSON.stringify(question)), (ptr, len) => this.exports.llmroute_router_query(router, ptr, len));
    const out = this.#result();
    return rc === 0 ? out : { error: out.error, code: rc };
  }

  /** The router's target health at `nowMs`: {circuit_breaker, targets: [...]} (see llmroute.h). */
  routerHealth(router, nowMs) {
    const rc = this.#callWithBytes(encoder.encode(JSON.stringify({ now_ms: nowMs })), (ptr, len) => this.exports.llmroute_router_health(router, ptr, len));
    const out = this.#result();
    return rc === 0 ? out : { error: out.error, code: rc };
  }

  /** Authenticates, parses and plans a request: meta {api_key, metadata?, seed?}, body as received (bytes). {handle} or {error}. */
  callNew(router, meta, bodyBytes) {
    const metaBytes = encoder.encode(JSON.stringify(meta));
    const rc = this.#callWithBytes(metaBytes, (metaPtr, metaLen) =>
      this.#callWithBytes(bodyBytes, (ptr, len) => this.exports.llmroute_call_new(router, metaPtr, metaLen, ptr, len)));
    const out = this.#result();
    return rc > 0 ? { handle: rc } : { error: out.error, code: rc };
  }

  /** Feeds one event object; returns {actions, deadline_ms, done}. */
  step(call, event) {
    const rc = this.#callWithBytes(encoder.encode(JSON.stringify(event)), (ptr, len) => this.exports.llmroute_call_step(call, ptr, len));
    return this.#actionsOrThrow(rc);
  }

  /** Feeds raw body bytes of an attempt's answer; returns {actions, deadline_ms, done}. */
  feed(call, attempt, bytes) {
    const rc = this.#callWithBytes(bytes, (ptr, len) => this.exports.llmroute_call_feed(call, attempt, ptr, len));
    return this.#actionsOrThrow(rc);
  }

  callFree(call) {
    if (!this.poisoned) this.#guard(() => this.exports.llmroute_call_free(call));
  }

  #actionsOrThrow(rc) {
    const out = this.#result();
    if (rc !== 0) throw new CoreError(`core refused an event: ${out.error?.message ?? rc}`);
    return out;
  }

  // Copies `bytes` into module memory for the duration of one call.
  #callWithBytes(bytes, fn) {
    return this.#guard(() => {
      const ptr = this.exports.llmroute_alloc(bytes.length || 1);
      if (ptr === 0) throw new CoreError("core out of memory");
      try {
        new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);  // fresh view: memory may have grown
        return fn(ptr, bytes.length);
      } finally {
        this.exports.llmroute_free(ptr);
      }
    });
  }

  // Copies the result out at once: the next call into the module overwrites it.
  #result() {
    const ptr = this.exports.llmroute_result_ptr();
    const len = this.exports.llmroute_result_len();
    return JSON.parse(decoder.decode(new Uint8Array(this.exports.memory.buffer, ptr, len)));
  }

  // A trap or an abort leaves the instance in an unknown state: mark it so that a fresh one is built.
  #guard(fn) {
    if (this.poisoned) throw new CoreError("core instance is poisoned");
    try {
      return fn();
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError || err instanceof ProcExit) {
        this.poisoned = true;
        throw new CoreError(`core trapped: ${err.message}`);
      }
      throw err;
    }
  }
}
