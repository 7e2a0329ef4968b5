import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * A DENY TABLE rule on reads, got around through a view (review9): the rule matched relations by
 * the names a statement reads, so with orders denied `SELECT * FROM ov` (a view over orders the
 * owner made, or another connection without the rule) returned orders' rows — the server reads a
 * view's query in its place. Each read is first run straight against the upstream to show it
 * returns orders' rows; through Sluice it is refused. A view over another table still answers.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE orders (id int PRIMARY KEY, total int);
  INSERT INTO orders VALUES (1, 10), (2, 20);
  CREATE TABLE payroll (id int PRIMARY KEY, salary int);
  INSERT INTO payroll VALUES (1, 1000);
  CREATE TABLE scratch (id int PRIMARY KEY, total int);
  INSERT INTO scratch VALUES (7, 70);
  CREATE VIEW ov AS SELECT * FROM orders;
  CREATE VIEW ov_over_ov AS SELECT id, total FROM ov WHERE total > 0;
  CREATE VIEW pay_view AS SELECT salary FROM payroll;
  CREATE FUNCTION opaque_rows() RETURNS SETOF orders LANGUAGE sql AS 'SELECT * FROM orders';
  CREATE VIEW opaque_view AS SELECT * FROM opaque_rows();
  CREATE VIEW scratch_view AS SELECT * FROM scratch;
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
  GRANT CREATE ON SCHEMA public TO ${role};`;

let stage: BypassStage;
let agent: pg.Client;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: SCHEMA,
    guardrails: [
      {
        name: "no orders",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.orders"], access: "any" },
      },
      {
        name: "payroll unread",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.payroll"], access: "read" },
      },
    ],
  });
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
});
afterAll(async () => {
  await agent?.end();
  await stage?.stop();
});

/** The rows `sql` returns straight from the upstream, as the agent's login. */
async function directRows(sql: string): Promise<unknown[]> {
  const direct = new pg.Client({ connectionString: stage.harness.directUrl });
  await direct.connect();
  try {
    return (await direct.query(sql)).rows;
  } finally {
    await direct.end();
  }
}

const refusal = (sql: string, values?: unknown[]) =>
  agent.query(sql, values).then(
    () => null,
    (error: Error) => error.message,
  );

describe("reads of a denied table through a view", () => {
  it.each([
    ["SELECT * FROM ov", /guardrail "no orders".*reads through public\.ov a table the rule covers/],
    ["SELECT total FROM ov_over_ov", /guardrail "no orders".*reads through public\.ov_over_ov/],
    ["SELECT s.id, o.total FROM scratch s CROSS JOIN ov o", /guardrail "no orders".*public\.ov/],
    ["SELECT * FROM pay_view", /guardrail "payroll unread".*reads through public\.pay_view/],
    ["SELECT * FROM opaque_view", /guardrail "no orders".*opaque_view/],
  ])("refuses %s", async (sql, message) => {
    expect((await directRows(sql)).length).toBeGreaterThan(0);
    expect(await refusal(sql)).toMatch(message);
  });

  it("refuses a prepared read through the view", async () => {
    expect(await refusal("SELECT total FROM ov WHERE id = $1", [1])).toMatch(/guardrail "no orders"/);
  });

  it("refuses a view another connection creates mid-session, at its first read", async () => {
    expect((await agent.query("SELECT id FROM scratch_view")).rows).toEqual([{ id: 7 }]);
    await stage.admin.query(
      `CREATE VIEW late_view AS SELECT id FROM orders; GRANT SELECT ON late_view TO ${stage.upstream.user}`,
    );
    expect(await directRows("SELECT * FROM late_view")).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await refusal("SELECT * FROM late_view")).toMatch(/guardrail "no orders".*late_view/);
  });
});

describe("a prepared read through a view replaced after it was prepared", () => {
  it("is judged again at its next run, against the catalog as read then", async () => {
    await stage.admin.query(
      `CREATE VIEW swapped AS SELECT id FROM scratch; GRANT SELECT ON swapped TO ${stage.upstream.user}`,
    );
    const prepared = { name: "read_swapped", text: "SELECT id FROM swapped WHERE id > $1" };
    expect((await agent.query({ ...prepared, values: [0] })).rows).toEqual([{ id: 7 }]);
    await stage.admin.query(
      `CREATE OR REPLACE VIEW swapped AS SELECT id FROM orders;
       CREATE TABLE fresh (id int); GRANT SELECT ON fresh TO ${stage.upstream.user}`,
    );
    // Another connection's change is seen once the catalog is read again (within its age, or
    // at once for a read of a relation it does not know yet, as here).
    await agent.query("SELECT * FROM fresh");
    const refused = await agent.query({ ...prepared, values: [0] }).then(
      (result) => JSON.stringify(result.rows),
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/guardrail "no orders"/);
  });
});

describe("what the rules do not cover", () => {
  it("a view over another table answers", async () => {
    expect((await agent.query("SELECT id, total FROM scratch_view")).rows).toEqual([{ id: 7, total: 70 }]);
  });

  it("a write to payroll, which the rule on reads allows, runs", async () => {
    await agent.query("INSERT INTO payroll VALUES (2, 2000)");
    expect((await stage.admin.query("SELECT count(*)::int AS n FROM payroll")).rows).toEqual([{ n: 2 }]);
  });
});
