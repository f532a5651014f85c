// Usage records on their way to the ledger. Each finished request leaves one record; written one
// by one, every request paid a Durable Object call and a SQLite transaction of its own, the largest
// item of the Worker's CPU per request (BENCHMARKS.md). Here they wait a moment in the isolate and
// go together: one call and one transaction for every record of the batch.
//
// Nothing is lost for the wait: the request that schedules a write hands it to waitUntil, which
// keeps the isolate alive until the batch (its record and those queued after it) is written.
// Nothing is read stale by this isolate either: a budget reservation carries the waiting records
// along (the ledger settles them first, in the same call), and the usage endpoints write them
// before they read. A record whose write fails is logged, not retried: the ledger may have applied
// it, and a retry could count it twice.

const SETTLE_DELAY_MS = 50;  // how long a record may wait for others
const MAX_BATCH = 64;        // a batch this full goes at once

export class SettleQueue {
  // The records as JSON text, {"now_ms":N,"record":{...}} each, in the order the requests finished:
  // one string goes to the ledger, far cheaper to pass than as many objects to clone.
  #pending = [];
  #scheduled = false;      // a timed write is waiting, and will take every record queued by then

  /**
   * Queues a record (`recordJson`, its JSON text; finished now). A promise for waitUntil when this request must write the
   * batch (it scheduled the timed write, or filled the batch), else null: the request that
   * scheduled the write is kept alive until it is done. `ledger` is this request's stub: a Durable
   * Object stub belongs to the request that made it, so each write goes through its writer's own.
   */
  add(ledger, recordJson) {
    this.#pending.push(`{"now_ms":${Date.now()},"record":${recordJson}}`);
    if (this.#pending.length >= MAX_BATCH) return this.flush(ledger);
    if (this.#scheduled) return null;
    this.#scheduled = true;
    return new Promise((resolve) => setTimeout(resolve, SETTLE_DELAY_MS)).then(() => {
      this.#scheduled = false;
      return this.flush(ledger);
    });
  }

  /** Writes every waiting record now, through `ledger` (before reading what the ledger holds). */
  async flush(ledger) {
    const batch = this.#take();
    if (batch.length === 0) return;
    try {
      await ledger.settleAll(`[${batch.join(",")}]`);
    } catch (err) {
      logLost(batch, err);
    }
  }

  /** A reservation that settles the waiting records first, in the same ledger call. */
  async reserve(ledger, reservation) {
    const batch = this.#take();
    try {
      return await ledger.reserve({ ...reservation, settle: batch.length > 0 ? `[${batch.join(",")}]` : "" });
    } catch (err) {
      if (batch.length > 0) logLost(batch, err);
      throw err;
    }
  }

  #take() {
    const batch = this.#pending;
    this.#pending = [];
    return batch;
  }
}

function logLost(batch, err) {
  console.error(JSON.stringify({ event: "llmroute.ledger_error", message: String(err?.message ?? err), records: batch.length }));
}
