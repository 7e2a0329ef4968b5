import { StatementReading } from "@sluice/mysql-session/statement-reading";
import type { MaskingReading } from "@sluice/mysql-sql/masking-shape";
import { MYSQL_OFF_LOOP_READER, MYSQL_OFFLOAD_ABOVE_SQL_CHARS } from "@sluice/mysql-sql/off-loop-reader";
import { parseMySql } from "@sluice/mysql-sql/parse";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { ParsePool } from "@sluice/sql/parse-pool";

export type MySqlStatements = {
  /** The decision point's facts (a statement the relay did not read first). */
  facts: FactsCache;
  /** The relay's reading (masking's shape, the catalog's kinds) and the size limit before it. */
  reading: StatementReading;
};

/**
 * How the MySQL path reads statements: MySQL's grammar everywhere, statements over
 * MYSQL_OFFLOAD_ABOVE_SQL_CHARS read on the gateway's parse threads (the same pool as the Postgres
 * path's), and statements over `maxStatementBytes` refused before any reading. Null pool: every
 * statement on the event loop.
 */
export function createMySqlStatements(pool: ParsePool | null, maxStatementBytes?: number): MySqlStatements {
  const offload = pool ? (sql: string) => pool.read<MaskingReading>(MYSQL_OFF_LOOP_READER, sql) : undefined;
  return {
    // PostgreSQL's normalizer would not find MySQL literals' ends: no normalized cache.
    facts: new FactsCache({
      parseStatements: parseMySql,
      normalize: null,
      ...(offload
        ? {
            offload: { parse: (sql) => offload(sql).then((reading) => reading.parsed) },
            offloadAboveChars: MYSQL_OFFLOAD_ABOVE_SQL_CHARS,
          }
        : {}),
    }),
    reading: new StatementReading({
      ...(maxStatementBytes ? { maxStatementBytes } : {}),
      ...(offload ? { offload, offloadAboveChars: MYSQL_OFFLOAD_ABOVE_SQL_CHARS } : {}),
    }),
  };
}
