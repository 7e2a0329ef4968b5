import { readStatementForMasking } from "@sluice/mysql-sql/masking-shape";
import { MYSQL_OFF_LOOP_READER } from "@sluice/mysql-sql/off-loop-reader";
import { ParsePool } from "@sluice/sql/parse-pool";
import { parseStatements } from "@sluice/sql/parser";
import { afterAll, describe, expect, it } from "vitest";

const pool = new ParsePool({ size: 1, maxQueued: 2, workerHeapMb: 256 });
afterAll(() => pool.close());

describe("MySQL statements read on the parse pool's thread", () => {
  it("gives the facts and masking shape the event loop's reading gives, and the same refusals", async () => {
    for (const sql of [
      "SELECT e.email, (SELECT 1) AS one FROM employees e WHERE id IN (1, 2, 3)",
      "WITH d AS (SELECT id FROM employees) SELECT * FROM d; SET @v := 1",
      "UPDATE employees SET salary = 0 WHERE id = 1",
      "SELECT /*!50000 1 */",
      "SELEC nothing",
    ]) {
      expect(await pool.read(MYSQL_OFF_LOOP_READER, sql)).toEqual(readStatementForMasking(sql));
    }
  });

  it("serves PostgreSQL's grammar and MySQL's from one thread", async () => {
    // Backquotes are MySQL's quoting; PostgreSQL's grammar refuses them.
    const sql = "SELECT `id` FROM employees";
    const mysql = await pool.read<ReturnType<typeof readStatementForMasking>>(MYSQL_OFF_LOOP_READER, sql);
    const postgres = await pool.parse(sql);
    expect(mysql.parsed.ok).toBe(true);
    expect(postgres).toEqual(parseStatements(sql));
    expect(postgres.ok).toBe(false);
    expect(pool.threads()).toBe(1);
  });
});
