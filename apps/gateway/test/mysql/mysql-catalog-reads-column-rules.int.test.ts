import { readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMySqlCatalogs } from "../../src/mysql/mysql-catalog";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * A connection with a COLUMN guardrail and no masking rule: the decision follows the denied column
 * into views and computed columns, so it asks for the upstream's catalog before each statement. The
 * catalog is read again only after a statement that may have changed it (DDL, a multi-statement
 * packet holding one, a prepared DDL's execution); a point SELECT made every next statement read
 * the whole catalog again (20 reads for 20 SELECTs). Reads are counted on the side connection.
 */
let harness: MySqlHarness;
let agent: Connection;
let reads = 0;

beforeAll(async () => {
  harness = await startMySqlHarness(
    {
      guardrails: [
        { name: "no-salary", kind: "COLUMN", effect: "DENY", match: { columns: ["employees.salary"] } },
      ],
    },
    {
      catalogFor: createMySqlCatalogs((client) => {
        reads += 1;
        return readMySqlCatalog(client);
      }),
    },
  );
  await harness.asAdmin(`
    CREATE TABLE amounts (id INT PRIMARY KEY, amount INT);`);
  agent = await harness.connectAgent({ multipleStatements: true });
  // The session's first statements read the catalog (the first one's kinds were not read).
  await agent.query("SELECT name FROM employees WHERE id = 1");
  await agent.query("SELECT name FROM employees WHERE id = 2");
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

/** How many times the catalog is read while `run` runs, then once more for the next statement. */
async function readsAround(run: () => Promise<unknown>): Promise<number> {
  const before = reads;
  await run();
  await agent.query("SELECT name FROM employees WHERE id = 1");
  return reads - before;
}

describe("the MySQL catalog under a COLUMN rule and no masking rule", () => {
  it("is not read again for point SELECTs", async () => {
    const count = await readsAround(async () => {
      for (let id = 1; id <= 20; id += 1) await agent.query(`SELECT name FROM employees WHERE id = ${id}`);
    });
    expect(count).toBe(0);
  });

  it("is read again after CREATE TEMPORARY TABLE, before the next statement is judged", async () => {
    // No other connection sees a temporary table: only the statement's kind can tell.
    expect(await readsAround(() => agent.query("CREATE TEMPORARY TABLE scratch (id INT)"))).toBe(1);
  });

  it("lets the agent drop its temporary table as such, and reads again after it", async () => {
    await agent.query("CREATE TEMPORARY TABLE scratch_drop (id INT)");
    await agent.query("SELECT name FROM employees WHERE id = 1"); // takes the CREATE's read
    // Read as DROP TABLE of the same name (the grammar knows no TEMPORARY there); the server drops it.
    expect(await readsAround(() => agent.query("DROP TEMPORARY TABLE IF EXISTS scratch_drop"))).toBe(1);
    await expect(agent.query("SELECT id FROM scratch_drop")).rejects.toThrow(/doesn't exist/);
  });

  it("is read again after DDL inside a multi-statement packet", async () => {
    const packet = "SELECT 1; CREATE TEMPORARY TABLE scratch2 (id INT)";
    expect(await readsAround(() => agent.query(packet))).toBe(1);
  });

  it("is read again after each execution of a prepared DDL, not only its PREPARE", async () => {
    expect(await readsAround(() => agent.execute("CREATE TEMPORARY TABLE scratch3 (id INT)"))).toBe(1);
    // The DROP's own read is taken by the next statement, before counting again.
    expect(await readsAround(() => agent.query("DROP TABLE scratch3"))).toBe(1);
    // mysql2 executes the statement it prepared the first time: no new PREPARE, the same statement id.
    expect(await readsAround(() => agent.execute("CREATE TEMPORARY TABLE scratch3 (id INT)"))).toBe(1);
  });

  it("is read again after RENAME TABLE", async () => {
    expect(await readsAround(() => agent.query("RENAME TABLE amounts TO amounts_old"))).toBe(1);
  });
});
