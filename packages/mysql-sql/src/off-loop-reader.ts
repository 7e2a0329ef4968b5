import { type MaskingReading, readStatementForMasking } from "./masking-shape";

/**
 * MySQL's reader for the parse pool's threads (`@sluice/sql/parse-pool`): the URL a pool is given
 * to read a statement the way the relay does on the event loop (facts and masking shape, one
 * parse). node-sql-parser takes about a second per 256 KiB of IN list, so large statements are
 * read on a thread; what comes back is a structured clone, without the trees, so the facts carry
 * no lineage resolver and their column lineage is unknown (masked as of unknown origin).
 */
export const MYSQL_OFF_LOOP_READER = new URL(import.meta.url).href;

/**
 * MySQL statements longer than this are read on a thread. Below PostgreSQL's 64 KiB: measured warm
 * (a loaded 2-core machine), node-sql-parser reads an IN list of 16 KiB in about 25 ms, 64 KiB in
 * about 220 ms. Not lower: a statement read on a thread comes back without its tree, so its column
 * lineage is unknown (masked as of unknown origin, refused by a COLUMN rule on a table it touches).
 */
export const MYSQL_OFFLOAD_ABOVE_SQL_CHARS = 16 * 1024;

export function read(sql: string): MaskingReading {
  return readStatementForMasking(sql);
}
