import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASK_EMPLOYEE_SSN, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a masked value copied by a trigger the brokered login cannot see. inbox's
 * trigger fills relay, in a database the login holds nothing on (a trigger runs with its definer's
 * rights), and relay's own trigger — which the server lists to no login without a privilege on
 * relay — copies employees.ssn into leak, a table no masking rule covers. Run directly, the agent's
 * INSERT into inbox leaves a clear SSN in leak; through Sluice it is refused (`sluice:owner-code`)
 * and leak stays empty. Masked as employees.ssn is, a write to a table whose triggers are seen and
 * copy nothing runs.
 */
let harness: MySqlHarness;
let agent: Connection;
let hidden: string;

beforeAll(async () => {
  harness = await startMySqlHarness({ masking: [MASK_EMPLOYEE_SSN] });
  hidden = `${harness.database}_hidden`;
  await harness.asAdmin(`
    CREATE TABLE leak (ssn VARCHAR(20));
    CREATE TABLE inbox (id INT PRIMARY KEY);
    CREATE TABLE notes (id INT PRIMARY KEY);
    CREATE DATABASE ${hidden};
    CREATE TABLE ${hidden}.relay (id INT PRIMARY KEY);
    CREATE TRIGGER ${hidden}.relay_copy AFTER INSERT ON ${hidden}.relay FOR EACH ROW
      INSERT INTO ${harness.database}.leak SELECT ssn FROM ${harness.database}.employees WHERE id = NEW.id;
    CREATE TRIGGER inbox_relay AFTER INSERT ON inbox FOR EACH ROW INSERT INTO ${hidden}.relay VALUES (NEW.id);`);
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  if (hidden) await harness?.asAdmin(`DROP DATABASE ${hidden}`);
  await harness?.stop();
});

const leaked = async () => {
  const direct = await harness.connectDirect();
  try {
    return (await direct.query("SELECT ssn FROM leak"))[0];
  } finally {
    await direct.end();
  }
};

describe("a trigger on a table the brokered login holds nothing on", () => {
  it("copies a clear SSN when run directly", async () => {
    const direct = await harness.connectDirect();
    try {
      await direct.query("START TRANSACTION");
      await direct.query("INSERT INTO inbox VALUES (1)");
      expect((await direct.query("SELECT ssn FROM leak"))[0]).toEqual([{ ssn: "123-45-6789" }]);
    } finally {
      await direct.query("ROLLBACK");
      await direct.end();
    }
  });

  it("is refused through Sluice, and nothing is copied", async () => {
    const refused = await agent.query("INSERT INTO inbox VALUES (1)").then(
      () => null,
      (error: { errno?: number; message: string }) => error,
    );
    expect(refused?.message).toMatch(/sluice:owner-code/);
    expect(refused?.message).toMatch(
      new RegExp(
        `runs the triggers of ${hidden}\\.relay, which Sluice cannot see \\(the brokered login holds no privilege on ${hidden}\\.relay`,
      ),
    );
    expect(await leaked()).toEqual([]);
  });

  it("a write to a table whose triggers are seen and copy nothing runs", async () => {
    await agent.query("INSERT INTO notes VALUES (1)");
    expect(await leaked()).toEqual([]);
  });
});
