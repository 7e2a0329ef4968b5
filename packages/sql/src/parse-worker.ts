import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";

/** One statement for a thread: `reader` is the URL of the module that reads it (see StatementReader). */
export type ParseTask = { id: number; sql: string; reader: string };
export type ParseReply = { id: number; reading: unknown } | { id: number; error: string };

/**
 * What a thread loads to read statements of one grammar: PostgreSQL's (`postgres-reader.ts`), MySQL's
 * (`@sluice/mysql-sql`'s `off-loop-reader.ts`). `load` runs once, before the first statement.
 */
export type StatementReader = { load?: () => Promise<void>; read: (sql: string) => unknown };

/**
 * One thread of the parse pool: each grammar's reader loaded once, on its first statement, and
 * statements parsed and turned into facts here so the gateway's event loop only receives the
 * small facts.
 */
const port = parentPort;
if (!port) throw new Error("parse-worker runs only as a worker thread");
yieldTheCores();
const readers = new Map<string, Promise<StatementReader>>();

function readerAt(url: string): Promise<StatementReader> {
  let reader = readers.get(url);
  if (!reader) {
    reader = import(url).then(async (module: StatementReader) => {
      await module.load?.();
      return module;
    });
    readers.set(url, reader);
  }
  return reader;
}

// One statement at a time: the pool sends the next only after this one's reply.
port.on("message", async (task: ParseTask) => {
  let reply: ParseReply;
  try {
    const reader = await readerAt(task.reader);
    reply = { id: task.id, reading: reader.read(task.sql) };
  } catch (error) {
    reply = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });

/**
 * The thread at the lowest scheduling priority (Linux nice 19, this thread alone): a parse that
 * takes seconds then takes only the CPU time the event loop, the upstream and the other sessions'
 * work leave, instead of a core of two. Measured in mysql-no-stalls.int.test.ts: at nice 0 another
 * session's p99 went 2–5× up while a 1 MiB MySQL IN list was parsed on a busy 2-core machine.
 * Elsewhere (no /proc/thread-self) the thread keeps the process's priority.
 */
function yieldTheCores(): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 19);
  } catch {
    // Not Linux: the parse still runs off the event loop, at the process's priority.
  }
}
