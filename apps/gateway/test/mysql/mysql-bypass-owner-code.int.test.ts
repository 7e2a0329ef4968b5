import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: the table owner's code a write fires. A trigger, a generated column or a
 * DEFAULT expression runs with the agent's write and reads what it likes — `AFTER INSERT ON orders
 * … INSERT INTO audit SELECT ssn FROM employees` stores clear SSNs in a table no masking rule
 * covers, for the agent's next SELECT to return. Each copy is shown to happen directly first; through
 * Sluice the write is refused (`sluice:owner-code`) and changes nothing, while code that copies no
 * masked value runs.
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
  harness = await startMySqlHarness({ masking: [mask("*.employees.ssn"), mask("*.people.ssn")] });
  await harness.asAdmin(`
    CREATE TABLE orders (id INT PRIMARY KEY, employee_id INT);
    CREATE TABLE audit (order_id INT, ssn VARCHAR(20));
    CREATE TRIGGER copy_ssn AFTER INSERT ON orders FOR EACH ROW
      INSERT INTO audit SELECT NEW.id, e.ssn FROM employees e WHERE e.id = NEW.employee_id;
    CREATE TABLE tickets (id INT PRIMARY KEY, title VARCHAR(50), updated_at DATETIME);
    INSERT INTO tickets VALUES (1, 'first', NULL);
    CREATE TRIGGER touch_ticket BEFORE UPDATE ON tickets FOR EACH ROW SET NEW.updated_at = NOW();
    CREATE TABLE people (id INT PRIMARY KEY, ssn VARCHAR(20), ssn4 CHAR(4) AS (RIGHT(ssn, 4)) STORED);
    CREATE TABLE visits (id INT PRIMARY KEY, employee_id INT);
    CREATE TABLE visit_log (visit_id INT, ssn VARCHAR(20));
    CREATE PROCEDURE log_visit(v INT, e INT) INSERT INTO visit_log SELECT v, ssn FROM employees WHERE id = e;
    CREATE TRIGGER log_visits AFTER INSERT ON visits FOR EACH ROW CALL log_visit(NEW.id, NEW.employee_id);
    CREATE TABLE badges (id INT PRIMARY KEY, employee_id INT, code VARCHAR(40));
    CREATE FUNCTION badge_code(e INT) RETURNS VARCHAR(40) DETERMINISTIC RETURN CONCAT('B-', e);
    CREATE TRIGGER badge_code BEFORE INSERT ON badges FOR EACH ROW SET NEW.code = badge_code(NEW.employee_id);
    CREATE TABLE shipments (id INT PRIMARY KEY, order_id INT);
    CREATE TRIGGER ship_order AFTER INSERT ON shipments FOR EACH ROW INSERT INTO orders VALUES (NEW.id + 1000, 1);
    CREATE VIEW recent_orders AS SELECT id, employee_id FROM orders;
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

const refusal = (sql: string, values?: Array<string | number>) =>
  (values ? agent.execute(sql, values) : agent.query(sql)).then(
    () => null,
    (error: { errno?: number; message: string }) => error,
  );

describe("owner's code that would copy masked values: refused, nothing changed", () => {
  it("a trigger copying SSNs into an audit table (it does, directly)", async () => {
    await direct.query("INSERT INTO orders VALUES (1, 1)");
    expect(await directRows("SELECT ssn FROM audit")).toEqual([{ ssn: "123-45-6789" }]);
    await direct.query("DELETE FROM audit");

    const refused = await refusal("INSERT INTO orders VALUES (2, 2)");
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toContain('"sluice:owner-code"');
    expect(refused?.message).toContain("trigger copy_ssn (AFTER INSERT)");
    expect(refused?.message).toMatch(/reads .*employees\.ssn/);
    expect(await directRows("SELECT id FROM orders ORDER BY id")).toEqual([{ id: 1 }]);
    expect(await directRows("SELECT * FROM audit")).toEqual([]);
    const recorded = harness.verdicts.find((entry) => entry.sql === "INSERT INTO orders VALUES (2, 2)");
    expect(recorded?.verdict).toMatchObject({ kind: "deny", rule: "sluice:owner-code" });
  });

  it("the same write prepared, and through a view over the table", async () => {
    expect((await refusal("INSERT INTO orders VALUES (?, ?)", [3, 2]))?.message).toContain("copy_ssn");
    const viaView = await refusal("INSERT INTO recent_orders VALUES (4, 2)");
    expect(viaView?.message).toContain("copy_ssn");
    expect(await directRows("SELECT id FROM orders ORDER BY id")).toEqual([{ id: 1 }]);
  });

  it("a trigger writing a table whose own trigger copies SSNs", async () => {
    const refused = await refusal("INSERT INTO shipments VALUES (1, 1)");
    expect(refused?.message).toContain("a write to shipments runs the table owner's trigger copy_ssn");
    expect(await directRows("SELECT * FROM shipments")).toEqual([]);
  });

  it("a generated column computed from a masked column into an unmasked one", async () => {
    await direct.query("INSERT INTO people (id, ssn) VALUES (1, '111-22-3333')");
    expect(await directRows("SELECT ssn4 FROM people")).toEqual([{ ssn4: "3333" }]);
    await direct.query("DELETE FROM people");

    const refused = await refusal("INSERT INTO people (id, ssn) VALUES (2, '222-33-4444')");
    expect(refused?.message).toContain("generated column ssn4");
    expect(refused?.message).toContain("into column ssn4, which no masking rule covers");
    expect(await directRows("SELECT * FROM people")).toEqual([]);
  });

  it("a trigger calling a stored procedure (whose body Sluice cannot see)", async () => {
    const refused = await refusal("INSERT INTO visits VALUES (1, 1)");
    expect(refused?.message).toContain("trigger log_visits");
    expect(refused?.message).toContain("a stored procedure runs SQL the gateway cannot see");
    expect(await directRows("SELECT * FROM visit_log")).toEqual([]);
  });

  it("a trigger calling a stored function, until an ALLOW FUNCTION guardrail names it", async () => {
    const refused = await refusal("INSERT INTO badges (id, employee_id) VALUES (1, 1)");
    expect(refused?.message).toContain("calls badge_code()");
    expect(refused?.message).toContain('functions: ["badge_code"]');
    const before = harness.current.policy;
    harness.current.policy = {
      ...before,
      guardrails: [
        {
          name: "allow badge_code",
          kind: "FUNCTION",
          effect: "ALLOW",
          match: { functions: ["badge_code"] },
        } as (typeof before.guardrails)[number],
      ],
    };
    try {
      await agent.query("INSERT INTO badges (id, employee_id) VALUES (1, 1)");
      expect(await directRows("SELECT code FROM badges")).toEqual([{ code: "B-1" }]);
    } finally {
      harness.current.policy = before;
    }
  });

  it("a trigger created from another connection counts for the very next write", async () => {
    await agent.query("INSERT INTO tickets VALUES (2, 'second', NULL)");
    await harness.asAdmin(
      "CREATE TRIGGER ticket_ssn AFTER INSERT ON tickets FOR EACH ROW INSERT INTO audit SELECT NEW.id, ssn FROM employees LIMIT 1",
    );
    try {
      const refused = await refusal("INSERT INTO tickets VALUES (3, 'third', NULL)");
      expect(refused?.message).toContain("trigger ticket_ssn");
      expect(await directRows("SELECT * FROM audit")).toEqual([]);
    } finally {
      await harness.asAdmin("DROP TRIGGER ticket_ssn");
    }
  });
});

describe("owner's code that copies no masked value runs", () => {
  it("a trigger setting updated_at = NOW()", async () => {
    const [result] = await agent.query("UPDATE tickets SET title = 'renamed' WHERE id = 1");
    expect(result).toMatchObject({ affectedRows: 1 });
    const [row] = (await directRows("SELECT title, updated_at FROM tickets WHERE id = 1")) as Array<{
      title: string;
      updated_at: Date | null;
    }>;
    expect(row?.title).toBe("renamed");
    expect(row?.updated_at).not.toBeNull();
  });

  it("a generated column over a masked column when its own column is masked too", async () => {
    const before = harness.current.policy;
    harness.current.policy = { ...before, masking: [...(before.masking ?? []), mask("*.people.ssn4")] };
    try {
      await agent.query("INSERT INTO people (id, ssn) VALUES (3, '333-44-5555')");
      expect(await directRows("SELECT ssn4 FROM people")).toEqual([{ ssn4: "5555" }]);
    } finally {
      harness.current.policy = before;
    }
  });
});

describe("reading a generated column over a masked column", () => {
  it("redacts it, as the column it copies (it is clear directly)", async () => {
    await direct.query("INSERT INTO people (id, ssn) VALUES (7, '777-66-4321')");
    expect(await directRows("SELECT ssn4 FROM people WHERE id = 7")).toEqual([{ ssn4: "4321" }]);
    for (const sql of ["SELECT ssn4 FROM people WHERE id = 7", "SELECT * FROM people WHERE id = 7"]) {
      const [rows] = await agent.query(sql);
      expect(JSON.stringify(rows), sql).not.toContain("4321");
      expect((rows as Array<Record<string, unknown>>)[0]?.ssn4, sql).toBe("[REDACTED]");
    }
    const [clean] = await agent.query("SELECT id FROM people WHERE id = 7");
    expect(clean).toEqual([{ id: 7 }]);
  });
});

describe("without the upstream's catalog", () => {
  it("every write on a masked connection is refused: its code is unknown", async () => {
    const blind = await startMySqlHarness(
      { masking: [mask("*.employees.ssn")] },
      {
        catalogFor: () => ({
          current: () => null,
          isCurrent: async () => false,
          refresh: async () => {
            throw new Error("the catalog side connection is down");
          },
        }),
      },
    );
    const blindAgent = await blind.connectAgent();
    try {
      const refused = await blindAgent.query("UPDATE departments SET name = 'ops' WHERE id = 1").then(
        () => null,
        (error: { errno?: number; message: string }) => error,
      );
      expect(refused?.errno).toBe(1227);
      expect(refused?.message).toContain("the upstream's catalog could not be read");
      const [rows] = await (await blind.connectDirect()).query("SELECT name FROM departments");
      expect(rows).toEqual([{ name: "eng" }]);
    } finally {
      await blindAgent.end();
      await blind.stop();
    }
  });
});
