import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL (the Postgres corpus's bypass-prepared-relation-swap.int.test.ts): a
 * prepared read of a plain table, run after another connection replaced the table by a view of
 * the same name over a column a rule protects. MariaDB re-prepares the statement onto the view,
 * so straight against the server it returns the protected value; through Sluice it is judged
 * again as a fresh statement would be, against the catalog as it is now.
 */
let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;
const SQL = "SELECT s FROM swapped WHERE id > ?";

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      { name: "salary unread", kind: "COLUMN", effect: "DENY", match: { columns: ["employees.salary"] } },
    ],
  });
  await harness.asAdmin("CREATE TABLE swapped (id INT, s INT); INSERT INTO swapped VALUES (1, 7)");
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await harness?.stop();
});

const outcome = (connection: Connection) =>
  connection.execute(SQL, [0]).then(
    ([rows]) => rows,
    (error: { message: string }) => ({ message: error.message }),
  );

describe("a prepared read of a table another connection replaced by a view", () => {
  it("is judged again at its next execution", async () => {
    expect(await outcome(direct)).toEqual([{ s: 7 }]);
    expect(await outcome(agent)).toEqual([{ s: 7 }]);
    await harness.asAdmin("DROP TABLE swapped; CREATE VIEW swapped AS SELECT id, salary AS s FROM employees");
    expect(await outcome(direct)).toEqual([{ s: 100 }, { s: 200 }]);
    expect(await outcome(agent)).toMatchObject({ message: expect.stringMatching(/"salary unread"/) });
  });
});
