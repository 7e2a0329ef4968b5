import { fingerprintOf, readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMySqlCatalogs } from "../../src/mysql/mysql-catalog";
import { MASK_EMPLOYEE_EMAIL, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a GRANT or REVOKE from another session, against the catalog Sluice keeps.
 * MySQL lists a table's triggers only to a login holding TRIGGER on it, which the kept catalog's
 * trigger sight reads from the login's grants. A REVOKE TRIGGER on a table without triggers moved
 * no catalog fingerprint (nothing the login is listed changed), so for up to 10 s the sight still
 * said every trigger of the table was seen: a trigger created meanwhile, which MySQL lists to
 * nobody without TRIGGER, ran under a write judged as running none. The catalog is read here as
 * from MySQL (the reader's option; MariaDB would list that trigger, moving the fingerprint), so the
 * write right after the REVOKE shows the stale sight: a fresh read refuses it (the oracle), the
 * kept catalog let it through. Grants that change what the server lists to the login (a view made
 * readable) move the fingerprint by themselves: shown too.
 */
let harness: MySqlHarness;
let agent: Connection;
const AS_MYSQL = { listsTriggersByPrivilege: true };

beforeAll(async () => {
  harness = await startMySqlHarness(
    {
      guardrails: [
        {
          name: "orders are read-only",
          kind: "TABLE",
          effect: "DENY",
          match: { tables: ["orders"], access: "write" },
        },
      ],
      masking: [MASK_EMPLOYEE_EMAIL],
    },
    { catalogFor: createMySqlCatalogs((client) => readMySqlCatalog(client, AS_MYSQL)) },
  );
  await harness.asAdmin(`
    CREATE TABLE orders (id INT PRIMARY KEY, total INT);
    CREATE TABLE inbox (id INT PRIMARY KEY);
    CREATE VIEW inbox_emails AS SELECT id, email FROM employees;
    REVOKE ALL PRIVILEGES ON ${harness.database}.* FROM '${harness.upstreamUser}'@'%';
    GRANT SELECT, INSERT, TRIGGER ON ${harness.database}.orders TO '${harness.upstreamUser}'@'%';
    GRANT SELECT, INSERT, TRIGGER ON ${harness.database}.inbox TO '${harness.upstreamUser}'@'%';
    GRANT SELECT ON ${harness.database}.employees TO '${harness.upstreamUser}'@'%';`);
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

const outcome = (sql: string) =>
  agent.query(sql).then(
    ([rows]) => JSON.stringify(rows),
    (error: Error) => error.message,
  );

/** Why a catalog read now (as from MySQL, with the brokered login) counts inbox's triggers unseen. */
const freshlyUnseen = async () => {
  const direct = await harness.connectDirect();
  try {
    return (await readMySqlCatalog(direct, AS_MYSQL)).triggerSight?.whyUnseen(
      `${harness.database}.inbox`,
      true,
    );
  } finally {
    await direct.end();
  }
};

describe("a grant changed by another session", () => {
  it("REVOKE TRIGGER on a table without triggers: the next write to it is refused", async () => {
    expect(await outcome("INSERT INTO inbox VALUES (1)")).toMatch(/"affectedRows":1/);
    await harness.asAdmin(`REVOKE TRIGGER ON ${harness.database}.inbox FROM '${harness.upstreamUser}'@'%'`);
    expect(await freshlyUnseen()).toMatch(/lacks the TRIGGER privilege/);
    expect(await outcome("INSERT INTO inbox VALUES (2)")).toMatch(
      /guardrail "orders are read-only".*whose triggers Sluice cannot see.*lacks the TRIGGER privilege/,
    );
  });

  it("GRANT SELECT on a view over a masked column: the very next read masks it", async () => {
    expect(await outcome("SELECT email FROM inbox_emails WHERE id = 1")).toMatch(/error 1142/); // SELECT denied
    const direct = await harness.connectDirect();
    const before = await fingerprintOf(direct);
    await harness.asAdmin(
      `GRANT SELECT ON ${harness.database}.inbox_emails TO '${harness.upstreamUser}'@'%'`,
    );
    // The server lists the view to the login now: the fingerprint moves without the grants in it.
    expect(await fingerprintOf(direct)).not.toBe(before);
    await direct.end();
    expect(await outcome("SELECT email FROM inbox_emails WHERE id = 1")).toBe('[{"email":"[REDACTED]"}]');
  });
});
