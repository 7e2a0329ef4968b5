import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: triggers with compound bodies (`BEGIN … END`: DECLARE, SELECT … INTO a
 * local variable, IF, SET, SIGNAL, nested blocks). Each is read statement by statement: a body
 * that copies a masked value — into a table, or into the error SIGNAL raises — is shown to do so
 * directly first, then refused through Sluice with nothing changed; a compound body that copies
 * nothing masked runs, where before every write to its table was refused. Loops and dynamic SQL
 * stay refused, and so does a body created under a mode that makes the server read it otherwise.
 */
const mask = (selector: string) => ({
  name: `mask ${selector}`,
  selector,
  detector: null,
  strategy: "REDACT" as const,
  keepLast: null,
  exemptGroups: [],
});

let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({ masking: [mask("*.employees.ssn")] });
  await harness.asAdmin(`
    CREATE TABLE audit (ref INT, note VARCHAR(100));
    CREATE TABLE orders (id INT PRIMARY KEY, employee_id INT);
    CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW
    BEGIN
      DECLARE copied VARCHAR(20);
      SELECT ssn INTO copied FROM employees WHERE id = NEW.employee_id;
      INSERT INTO audit VALUES (NEW.id, copied);
    END;
    CREATE TABLE claims (id INT PRIMARY KEY, employee_id INT);
    CREATE TRIGGER claims_check BEFORE INSERT ON claims FOR EACH ROW
    BEGIN
      DECLARE why VARCHAR(100);
      IF NEW.employee_id > 0 THEN
        SELECT ssn INTO why FROM employees WHERE id = NEW.employee_id;
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = why;
      END IF;
    END;
    CREATE TABLE notes (id INT PRIMARY KEY, employee_id INT, body VARCHAR(100));
    CREATE TRIGGER notes_fill BEFORE INSERT ON notes FOR EACH ROW
    fill: BEGIN
      IF NEW.body IS NOT NULL THEN LEAVE fill; END IF;
      IF NEW.employee_id < 0 THEN SET NEW.body = 'none';
      ELSE
        BEGIN
          DECLARE found VARCHAR(100) DEFAULT (SELECT ssn FROM employees WHERE id = NEW.employee_id);
          SET NEW.body = CONCAT('ssn ', found);
        END;
      END IF;
    END fill;
    CREATE TABLE shifts (id INT PRIMARY KEY, hours INT, updated_at DATETIME, hours_note VARCHAR(40));
    CREATE TABLE shift_log (shift_id INT, what VARCHAR(40));
    CREATE TRIGGER shifts_guard BEFORE INSERT ON shifts FOR EACH ROW
    BEGIN
      DECLARE capped INT DEFAULT 12;
      IF NEW.hours < 0 THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'hours may not be negative';
      ELSEIF NEW.hours > capped THEN
        SET NEW.hours = capped, NEW.hours_note = 'capped';
      END IF;
      SET NEW.updated_at = NOW();
      INSERT INTO shift_log VALUES (NEW.id, CONCAT('added ', NEW.hours));
    END;
    CREATE TABLE badges (id INT PRIMARY KEY, employee_id INT);
    CREATE TRIGGER badges_loop AFTER INSERT ON badges FOR EACH ROW
    BEGIN
      DECLARE n INT DEFAULT 0;
      WHILE n < 1 DO SET n = n + 1; END WHILE;
    END;
    SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',ANSI_QUOTES');
    CREATE TABLE passes (id INT PRIMARY KEY, employee_id INT);
    CREATE TRIGGER passes_copy AFTER INSERT ON passes FOR EACH ROW
      INSERT INTO audit SELECT NEW.id, "ssn" FROM employees WHERE id = NEW.employee_id;
    SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'ANSI_QUOTES', '');
  `);
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await harness?.stop();
});

const directRows = async (sql: string) => (await direct.query(sql))[0];

const refusal = (sql: string) =>
  agent.query(sql).then(
    () => null,
    (error: { errno?: number; message: string }) => error,
  );

describe("compound trigger bodies that would copy masked values: refused, nothing changed", () => {
  it("SELECT … INTO a local variable, then INSERT of it into an audit table", async () => {
    await direct.query("INSERT INTO orders VALUES (1, 1)");
    expect(await directRows("SELECT note FROM audit")).toEqual([{ note: "123-45-6789" }]);
    await direct.query("DELETE FROM audit");

    const refused = await refusal("INSERT INTO orders VALUES (2, 2)");
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toContain('"sluice:owner-code"');
    expect(refused?.message).toContain("trigger orders_audit (AFTER INSERT)");
    expect(refused?.message).toMatch(/reads .*employees\.ssn/);
    expect(await directRows("SELECT id FROM orders ORDER BY id")).toEqual([{ id: 1 }]);
    expect(await directRows("SELECT * FROM audit")).toEqual([]);
  });

  it("an IF branch that SIGNALs with the value as the error's text", async () => {
    await expect(direct.query("INSERT INTO claims VALUES (1, 2)")).rejects.toMatchObject({
      errno: 1644,
      message: "987-65-4321",
    });
    const refused = await refusal("INSERT INTO claims VALUES (2, 2)");
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toContain("trigger claims_check");
    expect(refused?.message).toMatch(/reads .*employees\.ssn/);
    expect(refused?.message).not.toContain("987-65-4321");
  });

  it("a DEFAULT of a variable in a nested block of an ELSE branch", async () => {
    await direct.query("INSERT INTO notes (id, employee_id) VALUES (1, 1)");
    expect(await directRows("SELECT body FROM notes")).toEqual([{ body: "ssn 123-45-6789" }]);
    await direct.query("DELETE FROM notes");

    const refused = await refusal("INSERT INTO notes (id, employee_id) VALUES (2, 2)");
    expect(refused?.message).toContain("trigger notes_fill");
    expect(refused?.message).toMatch(/reads .*employees\.ssn/);
    expect(await directRows("SELECT * FROM notes")).toEqual([]);
  });

  it('a body created under ANSI_QUOTES, where "ssn" is the column', async () => {
    await direct.query("INSERT INTO passes VALUES (1, 1)");
    expect(await directRows("SELECT note FROM audit")).toEqual([{ note: "123-45-6789" }]);
    await direct.query("DELETE FROM audit");

    const refused = await refusal("INSERT INTO passes VALUES (2, 1)");
    expect(refused?.message).toContain("trigger passes_copy");
    expect(refused?.message).toContain("created under sql_mode ANSI_QUOTES");
    expect(await directRows("SELECT * FROM audit")).toEqual([]);
  });

  it("a loop in the body is not followed: refused as code Sluice cannot judge", async () => {
    const refused = await refusal("INSERT INTO badges VALUES (1, 1)");
    expect(refused?.message).toContain("trigger badges_loop");
    expect(refused?.message).toContain("its compound body holds a loop");
    expect(await directRows("SELECT * FROM badges")).toEqual([]);
  });
});

describe("compound trigger bodies that copy nothing masked run", () => {
  it("DECLARE, IF/ELSEIF, SET NEW.x, INSERT into a log table", async () => {
    const [result] = await agent.query("INSERT INTO shifts (id, hours) VALUES (1, 20), (2, 8)");
    expect(result).toMatchObject({ affectedRows: 2 });
    const rows = (await directRows(
      "SELECT id, hours, hours_note, updated_at IS NOT NULL AS stamped FROM shifts ORDER BY id",
    )) as unknown[];
    expect(rows).toEqual([
      { id: 1, hours: 12, hours_note: "capped", stamped: 1 },
      { id: 2, hours: 8, hours_note: null, stamped: 1 },
    ]);
    expect(await directRows("SELECT * FROM shift_log ORDER BY shift_id")).toEqual([
      { shift_id: 1, what: "added 12" },
      { shift_id: 2, what: "added 8" },
    ]);
  });

  it("its SIGNAL reaches the agent as the server's error", async () => {
    const [directError, gatewayError] = await Promise.all([
      direct.query("INSERT INTO shifts (id, hours) VALUES (3, -1)").catch((error) => error),
      agent.query("INSERT INTO shifts (id, hours) VALUES (4, -1)").catch((error) => error),
    ]);
    expect(directError).toMatchObject({ errno: 1644, message: "hours may not be negative" });
    expect(gatewayError).toMatchObject({ errno: 1644, sqlState: "45000" });
    expect(await directRows("SELECT id FROM shifts ORDER BY id")).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
