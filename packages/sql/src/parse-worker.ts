import { parentPort } from "node:worker_threads";
import { loadParser, parseStatements } from "./parser";

export type ParseTask = { id: number; sql: string };
export type ParseReply =
  | { id: number; parsed: ReturnType<typeof parseStatements> }
  | { id: number; error: string };

/**
 * One thread of the parse pool: PostgreSQL's parser (libpg-query) loaded once, statements parsed
 * and turned into facts here so the gateway's event loop only receives the small facts.
 */
const port = parentPort;
if (!port) throw new Error("parse-worker runs only as a worker thread");
await loadParser();
port.on("message", (task: ParseTask) => {
  let reply: ParseReply;
  try {
    reply = { id: task.id, parsed: parseStatements(task.sql) };
  } catch (error) {
    reply = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
