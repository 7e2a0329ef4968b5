/**
 * PostgreSQL's reader for the parse pool's threads (see StatementReader in parse-worker.ts):
 * libpg-query loaded once per thread, each statement turned into facts there.
 */
export { loadParser as load, parseStatements as read } from "./parser";
