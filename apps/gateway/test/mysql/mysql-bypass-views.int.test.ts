import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL (issue 16): review rules and COLUMN guardrails knew a column only where a
 * statement named its table, so a view was a way round them. With a review rule on
 * employees.salary, `SELECT s FROM pay` (pay: `SELECT salary AS s FROM employees`) read salaries
 * without review; a COLUMN guardrail on employees.ssn let `SELECT tax_id FROM ssn_view` through.
 * Each view is shown to answer directly first (the oracle).
 */
const SCHEMA_SQL = `
  CREATE TABLE notes (id INT, body VARCHAR(100));
  CREATE VIEW pay AS SELECT id, salary AS s FROM employees;
  CREATE VIEW pay_of_pay AS SELECT id, s * 2 AS s2 FROM pay;
  CREATE VIEW staff AS SELECT id, name FROM employees;
  CREATE VIEW ssn_view AS SELECT id, ssn AS tax_id FROM employees;
  CREATE FUNCTION echo_int(x INT) RETURNS INT DETERMINISTIC RETURN x;
  CREATE VIEW dept_codes AS SELECT echo_int(id) AS code FROM departments;`;

type Outcome = { rows: unknown } | { errno: number | undefined; message: string };
const outcome = (promise: Promise<[unknown, unknown]>): Promise<Outcome> =>
  promise.then(
    ([rows]) => ({ rows }),
    (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
  );
const ruleOf = (result: Outcome) =>
  "message" in result
    ? (/review rule "([^"]+)"/.exec(result.message)?.[1] ??
      /guardrail "([^"]+)"/.exec(result.message)?.[1] ??
      result.message)
    : null;
const messageOf = (result: Outcome) => ("message" in result ? result.message : JSON.stringify(result));

const REVIEWED = {
  reviews: [{ name: "salary-reads", match: { columns: ["employees.salary"] }, reviewerGroups: ["finance"] }],
};

async function staged(policy: Parameters<typeof startMySqlHarness>[0], options = {}, prepare = "") {
  const harness = await startMySqlHarness(policy, options);
  await harness.asAdmin(SCHEMA_SQL);
  // Before anyone connects: a database grant changes what an open connection sees only at its next USE.
  if (prepare) {
    await harness.asAdmin(
      prepare.replaceAll("$user", harness.upstreamUser).replaceAll("$database", harness.database),
    );
  }
  return { harness, agent: await harness.connectAgent(), direct: await harness.connectDirect() };
}
type Stage = Awaited<ReturnType<typeof staged>>;
const stop = async (stage: Stage | undefined) => {
  await stage?.agent.end();
  await stage?.direct.end();
  await stage?.harness.stop();
};

let reviewed: Stage;
let guarded: Stage;

beforeAll(async () => {
  reviewed = await staged(REVIEWED);
  guarded = await staged({
    guardrails: [{ name: "no-ssn", kind: "COLUMN", effect: "DENY", match: { columns: ["employees.ssn"] } }],
  });
});
afterAll(async () => {
  await stop(reviewed);
  await stop(guarded);
});

describe("the views answer what they read (the oracle)", () => {
  it("pay and pay_of_pay are salaries, ssn_view the SSNs, dept_codes the department ids", async () => {
    const [rows] = await reviewed.direct.query(
      `SELECT p.s, pp.s2, v.tax_id FROM pay p JOIN pay_of_pay pp USING (id) JOIN ssn_view v USING (id)
       ORDER BY id`,
    );
    expect(rows).toEqual([
      { s: 100, s2: 200, tax_id: "123-45-6789" },
      { s: 200, s2: 400, tax_id: "987-65-4321" },
    ]);
    expect((await reviewed.direct.query("SELECT code FROM dept_codes"))[0]).toEqual([{ code: 1 }]);
  });
});

/** Statements that read employees.salary only through a view. */
const THROUGH_PAY = [
  "SELECT s FROM pay",
  "SELECT * FROM pay",
  "SELECT id FROM pay WHERE s > 150",
  "SELECT s2 FROM pay_of_pay",
  "SELECT x.s FROM (SELECT s FROM pay) AS x",
  "SELECT id FROM departments WHERE id IN (SELECT id FROM pay WHERE s > 150)",
  "WITH p AS (SELECT s FROM pay) SELECT s FROM p",
  "SELECT e.name, p.s FROM staff e JOIN pay p ON p.id = e.id",
  "SELECT name FROM staff UNION SELECT s FROM pay",
  "SELECT name FROM staff UNION ALL SELECT s2 FROM pay_of_pay",
  "INSERT INTO notes SELECT id, s FROM pay",
  "UPDATE notes SET body = (SELECT s FROM pay WHERE id = 1)",
];

describe("a review rule on a column holds reads through views computed from it", () => {
  for (const sql of THROUGH_PAY) {
    it(`holds ${sql}`, async () => {
      expect(ruleOf(await outcome(reviewed.agent.query(sql)))).toBe("salary-reads");
    });
  }

  it("holds writes through a view of it, and nothing held ran", async () => {
    for (const sql of ["UPDATE pay SET s = 1 WHERE id = 1", "UPDATE pay_of_pay SET id = 9 WHERE id = 2"]) {
      expect(ruleOf(await outcome(reviewed.agent.query(sql))), sql).toBe("salary-reads");
    }
    expect(
      (await reviewed.direct.query("SELECT id, salary, (SELECT COUNT(*) FROM notes) AS n FROM employees"))[0],
    ).toEqual([
      { id: 1, salary: 100, n: 0 },
      { id: 2, salary: 200, n: 0 },
    ]);
  });

  it("lets a view that reads no salary answer", async () => {
    expect(await outcome(reviewed.agent.query("SELECT name FROM staff ORDER BY id"))).toEqual({
      rows: [{ name: "Ada" }, { name: "Grace" }],
    });
    expect(await outcome(reviewed.agent.query("UPDATE staff SET name = 'Ada L' WHERE id = 1"))).toMatchObject(
      {
        rows: { affectedRows: 1 },
      },
    );
  });

  it("holds a prepared read through a view", async () => {
    const held = await outcome(reviewed.agent.execute("SELECT s FROM pay WHERE id = ?", [1]));
    expect(ruleOf(held)).toBe("salary-reads");
  });

  it("sees a view this session created, in its next message, without holding what reads no salary", async () => {
    expect(
      await outcome(reviewed.agent.query("CREATE VIEW own_names AS SELECT id, name FROM employees")),
    ).toMatchObject({ rows: { affectedRows: 0 } });
    expect(await outcome(reviewed.agent.query("SELECT name FROM own_names WHERE id = 2"))).toEqual({
      rows: [{ name: "Grace" }],
    });
    // Another connection makes it read salaries: the session's next read is held.
    await reviewed.direct.query(
      "CREATE OR REPLACE VIEW own_names AS SELECT id, salary AS name FROM employees",
    );
    expect(ruleOf(await outcome(reviewed.agent.query("SELECT name FROM own_names WHERE id = 2")))).toBe(
      "salary-reads",
    );
  });

  it("holds a view another connection creates mid-session, at its first read", async () => {
    expect(await outcome(reviewed.agent.query("SELECT id FROM staff WHERE id = 1"))).toEqual({
      rows: [{ id: 1 }],
    });
    await reviewed.direct.query("CREATE VIEW late_pay AS SELECT id, salary + 0 AS z FROM employees");
    expect(ruleOf(await outcome(reviewed.agent.query("SELECT z FROM late_pay")))).toBe("salary-reads");
    // Redefined to read no salary, it answers: the follow is the catalog's, not a name list.
    await reviewed.direct.query("CREATE OR REPLACE VIEW late_pay AS SELECT id, name AS z FROM employees");
    expect(await outcome(reviewed.agent.query("SELECT z FROM late_pay WHERE id = 2"))).toEqual({
      rows: [{ z: "Grace" }],
    });
  });

  it("holds creating a view over it, and a view created earlier in the same message", async () => {
    const agent = await reviewed.harness.connectAgent({ multipleStatements: true });
    try {
      expect(
        ruleOf(await outcome(agent.query("CREATE VIEW mine AS SELECT salary AS m FROM employees"))),
      ).toBe("salary-reads");
      const batch = await outcome(
        agent.query("CREATE VIEW mine2 AS SELECT id FROM departments; SELECT * FROM mine2"),
      );
      expect(ruleOf(batch)).toBe("salary-reads");
      expect(messageOf(batch)).toContain("earlier in the same message");
      const [views] = await reviewed.direct.query(
        "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_NAME LIKE 'mine%' AND TABLE_SCHEMA = DATABASE()",
      );
      expect(views).toEqual([]);
    } finally {
      await agent.end();
    }
  });
});

describe("a view Sluice cannot trace counts as reading every column, and the verdict says why", () => {
  it("holds a view calling a stored function, naming it", async () => {
    const held = await outcome(reviewed.agent.query("SELECT code FROM dept_codes"));
    expect(ruleOf(held)).toBe("salary-reads");
    expect(messageOf(held)).toContain("echo_int(), which is not a known built-in");
  });

  it("holds every view when the brokered login lacks SHOW VIEW", async () => {
    const blind = await staged(REVIEWED, {}, "REVOKE SHOW VIEW ON $database.* FROM '$user'@'%'");
    try {
      const held = await outcome(blind.agent.query("SELECT name FROM staff"));
      expect(ruleOf(held)).toBe("salary-reads");
      expect(messageOf(held)).toContain("lacks SHOW VIEW");
      expect(await outcome(blind.agent.query("SELECT name FROM departments"))).toEqual({
        rows: [{ name: "eng" }],
      });
    } finally {
      await stop(blind);
    }
  });

  it("holds a view over views deeper than 32 levels", async () => {
    const levels = Array.from(
      { length: 34 },
      (_, i) => `CREATE VIEW deep_${i + 1} AS SELECT id FROM ${i === 0 ? "departments" : `deep_${i}`};`,
    ).join("\n");
    await reviewed.harness.asAdmin(levels);
    expect(await outcome(reviewed.agent.query("SELECT id FROM deep_20"))).toEqual({ rows: [{ id: 1 }] });
    const held = await outcome(reviewed.agent.query("SELECT id FROM deep_34"));
    expect(ruleOf(held)).toBe("salary-reads");
    expect(messageOf(held)).toContain("deeper than 32 views");
  });

  it("holds every read when the catalog cannot be read", async () => {
    const blind = await staged(REVIEWED, {
      catalogFor: () => ({
        current: () => null,
        isCurrent: async () => false,
        refresh: async () => {
          throw new Error("the catalog side connection is down");
        },
      }),
    });
    try {
      const held = await outcome(blind.agent.query("SELECT name FROM staff"));
      expect(ruleOf(held)).toBe("salary-reads");
      expect(messageOf(held)).toContain("the upstream's catalog could not be read");
      expect(await outcome(blind.agent.query("SELECT 1 AS one"))).toEqual({ rows: [{ one: 1 }] });
    } finally {
      await stop(blind);
    }
  });
});

describe("a COLUMN guardrail refuses reads and writes through views of its column", () => {
  for (const sql of [
    "SELECT tax_id FROM ssn_view",
    "SELECT id FROM ssn_view WHERE tax_id LIKE '123%'",
    "SELECT n.name FROM staff n JOIN ssn_view v USING (id)",
    "WITH v AS (SELECT tax_id FROM ssn_view) SELECT COUNT(*) FROM v",
    "INSERT INTO notes SELECT id, tax_id FROM ssn_view",
    "UPDATE ssn_view SET tax_id = 'x' WHERE id = 1",
  ]) {
    it(`refuses ${sql}`, async () => {
      expect(ruleOf(await outcome(guarded.agent.query(sql)))).toBe("no-ssn");
    });
  }

  it("lets views that read no SSN answer, and nothing refused ran", async () => {
    expect(await outcome(guarded.agent.query("SELECT s FROM pay WHERE id = 1"))).toEqual({
      rows: [{ s: 100 }],
    });
    expect(
      (
        await guarded.direct.query(
          "SELECT ssn, (SELECT COUNT(*) FROM notes) AS n FROM employees WHERE id = 1",
        )
      )[0],
    ).toEqual([{ ssn: "123-45-6789", n: 0 }]);
  });
});
