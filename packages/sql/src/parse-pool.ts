import { Worker } from "node:worker_threads";
import type { ParsedStatements } from "./facts";
import type { ParseReply, ParseTask } from "./parse-worker";

export type ParsePoolOptions = {
  /** Worker threads, each with its own copy of the parser. */
  size: number;
  /** Statements waiting for a thread beyond this are refused at once (the gateway is not a queue). */
  maxQueued: number;
  /** Heap of one worker: a statement whose facts need more fails that worker, not the gateway. */
  workerHeapMb: number;
};

/** Why a statement could not be parsed off the event loop; the decision point refuses it. */
export class ParsePoolError extends Error {
  constructor(
    message: string,
    /** True when waiting and trying again could help (the queue was full). */
    readonly isBusy: boolean,
  ) {
    super(message);
  }
}

type Job = {
  sql: string;
  reader: string;
  resolve: (reading: unknown) => void;
  reject: (error: ParsePoolError) => void;
};
type Slot = { worker: Worker; ready: Promise<void>; job: (Job & { id: number }) | null };

const ENTRY = new URL("./parse-worker-entry.mjs", import.meta.url);
/** The reader `parse` uses: PostgreSQL's grammar, the facts the Postgres path judges. */
const POSTGRES_READER = new URL("./postgres-reader.ts", import.meta.url).href;

/**
 * A small pool of worker threads that parse large statements, so one agent's megabytes of SQL never
 * stall every other session's event loop. Bounded: `size` parses at once, `maxQueued` waiting; a
 * worker that dies (heap limit, crash) fails its statement and is replaced. Threads start with the
 * first statement that needs one: each holds its own parser and heap (tens of MB), and most
 * gateways never see a statement this large.
 *
 * One pool serves every protocol: each statement names the reader module (its grammar) a thread
 * loads to read it, so a gateway keeps one bounded set of threads and heaps for Postgres and MySQL.
 */
export class ParsePool {
  /** null: a thread not started yet (or not again since its last one died idle). */
  private readonly slots: (Slot | null)[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private isClosed = false;

  constructor(private readonly options: ParsePoolOptions) {
    this.slots = Array.from({ length: options.size }, () => null);
  }

  /** Resolves with the statement's PostgreSQL facts, or rejects with a ParsePoolError (never hangs). */
  parse(sql: string): Promise<ParsedStatements> {
    return this.read<ParsedStatements>(POSTGRES_READER, sql);
  }

  /**
   * Resolves with what the module at `reader` (a StatementReader) reads of the statement, as the
   * structured clone carries it (facts, sets; never functions), or rejects with a ParsePoolError.
   */
  read<Reading>(reader: string, sql: string): Promise<Reading> {
    if (this.isClosed) return Promise.reject(new ParsePoolError("the parse pool is closed", false));
    return new Promise((resolve, reject) => {
      const job: Job = { sql, reader, resolve: resolve as (reading: unknown) => void, reject };
      const idle = this.slots.find((slot) => slot !== null && slot.job === null);
      if (idle) return this.run(idle, job);
      const unstarted = this.slots.indexOf(null);
      if (unstarted >= 0) {
        const slot = this.spawn();
        this.slots[unstarted] = slot;
        return this.run(slot, job);
      }
      if (this.queue.length >= this.options.maxQueued) {
        return reject(new ParsePoolError("too many large statements are waiting to be parsed", true));
      }
      this.queue.push(job);
    });
  }

  /** Statements being parsed and waiting, for tests and metrics. */
  load(): { running: number; queued: number } {
    return { running: this.slots.filter((slot) => slot?.job).length, queued: this.queue.length };
  }

  /** Threads started and alive, for tests and metrics. */
  threads(): number {
    return this.slots.filter((slot) => slot !== null).length;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    for (const job of this.queue.splice(0))
      job.reject(new ParsePoolError("the gateway is shutting down", false));
    await Promise.all(this.slots.map((slot) => slot?.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(ENTRY, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.workerHeapMb },
    });
    worker.unref();
    const slot: Slot = {
      worker,
      job: null,
      ready: new Promise((resolve, reject) => {
        const onReady = (message: unknown) => {
          if ((message as { ready?: boolean }).ready) {
            worker.off("message", onReady);
            resolve();
          }
        };
        worker.on("message", onReady);
        worker.once("error", reject);
      }),
    };
    slot.ready.catch(() => {}); // its failure is reported through the job it fails
    worker.on("message", (reply: ParseReply | { ready: true }) => {
      if (!("id" in reply) || slot.job?.id !== reply.id) return;
      const job = slot.job;
      slot.job = null;
      if ("error" in reply) job.reject(new ParsePoolError(`the parser failed: ${reply.error}`, false));
      else job.resolve(reply.reading);
      this.next(slot);
    });
    worker.once("error", (error) => this.replace(slot, `the parser thread failed: ${error.message}`));
    worker.once("exit", (code) => this.replace(slot, `the parser thread exited (code ${code})`));
    return slot;
  }

  /** A dead worker fails its statement (fail closed) and a fresh one takes its place. */
  private replace(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const job = slot.job;
    slot.job = null;
    job?.reject(new ParsePoolError(reason, false));
    if (this.isClosed) return;
    // A fresh thread only for statements already waiting; otherwise the next one starts it.
    if (this.queue.length === 0) {
      this.slots[index] = null;
      return;
    }
    const fresh = this.spawn();
    this.slots[index] = fresh;
    this.next(fresh);
  }

  private run(slot: Slot, job: Job): void {
    const id = this.nextId++;
    slot.job = { ...job, id };
    slot.ready.then(
      () => slot.worker.postMessage({ id, sql: job.sql, reader: job.reader } satisfies ParseTask),
      (error: unknown) => this.replace(slot, `the parser thread did not start: ${String(error)}`),
    );
  }

  private next(slot: Slot): void {
    const job = this.queue.shift();
    if (job) this.run(slot, job);
  }
}
