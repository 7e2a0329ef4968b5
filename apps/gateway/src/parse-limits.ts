import { ParsePool } from "@sluice/sql/parse-pool";

/**
 * Threads that parse statements above OFFLOAD_ABOVE_SQL_CHARS (64 KiB) on Postgres and
 * MYSQL_OFFLOAD_ABOVE_SQL_CHARS (16 KiB) on MySQL: one pool serves both. One is enough to keep the
 * event loop free; more would only let large statements compete harder for the cores that serve
 * everyone else. Each gateway worker process has its own.
 */
export const PARSE_THREADS = 1;
/** Large statements waiting for a parse thread; beyond it they are refused with 53000 at once. */
export const PARSE_QUEUE_LIMIT = 8;
/**
 * Heap of one parse thread. Facts of a 16 MiB PostgreSQL statement (MAX_STATEMENT_BYTES) fit; a
 * statement whose tree does not (MySQL's grammar holds ~400 MB for a 1 MiB IN list, so a much
 * longer list may not) fails its own thread (refused: 54001, ERR 1227 on MySQL), never the gateway.
 */
export const PARSE_THREAD_HEAP_MB = 1024;

export function createParsePool(): ParsePool {
  return new ParsePool({
    size: PARSE_THREADS,
    maxQueued: PARSE_QUEUE_LIMIT,
    workerHeapMb: PARSE_THREAD_HEAP_MB,
  });
}
