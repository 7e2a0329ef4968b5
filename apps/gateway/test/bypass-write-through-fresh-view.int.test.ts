import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * Review finding: a DENY TABLE rule on writes follows a write through views (write-reach.ts) by
 * the catalog's view reads, and a relation the catalog snapshot does not hold is taken for a plain
 * table. A read of an unknown relation has the catalog read again first (readsUnknownRelation);
 * a write of one does not. So the agent's second session creates a view over orders (a read, which
 * the rule allows), and its first session, judging by the snapshot read before that, writes
 * orders through the view at once: no owner, no timing luck, within the catalog's 2–5 s age.
 */
let stage: BypassStage;
let first: pg.Client;
let second: pg.Client;
const ORDERS = "SELECT id, total FROM orders ORDER BY id";
const ORIGINAL = [
  { id: 1, total: 10 },
  { id: 2, total: 20 },
];

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
      CREATE TABLE orders (id int PRIMARY KEY, total int);
      INSERT INTO orders VALUES (1, 10), (2, 20);
      CREATE TABLE scratch (id int);
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
      GRANT CREATE ON SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "orders are read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.orders"], access: "write" },
      },
    ],
  });
  first = new pg.Client({ connectionString: stage.harness.url });
  second = new pg.Client({ connectionString: stage.harness.url });
  await first.connect();
  await second.connect();
  // Both sessions have the catalog as it is now.
  await first.query("INSERT INTO scratch VALUES (1)");
  await second.query("SELECT count(*) FROM orders");
}, 120_000);

afterAll(async () => {
  await first?.end();
  await second?.end();
  await stage?.stop();
});

const refusal = (client: pg.Client, sql: string) =>
  client.query(sql).then(
    () => null,
    (error: Error) => error.message,
  );

describe("a write through a view another session of the agent just created", () => {
  it.each([
    ["UPDATE ov SET total = 0 WHERE id = 1", "CREATE VIEW ov AS SELECT * FROM orders"],
    ["DELETE FROM ov2 WHERE id = 2", "CREATE VIEW ov2 AS SELECT * FROM orders"],
  ])("is refused: %s", async (write, create) => {
    expect(await refusal(second, create)).toBeNull();
    const refused = await refusal(first, write);
    expect((await stage.admin.query(ORDERS)).rows).toEqual(ORIGINAL);
    expect(refused).toMatch(/orders are read-only/);
  });

  // The same write in the other shapes a client may send it.
  const shapes: Array<[string, string, (write: string) => Promise<string | null>]> = [
    [
      "inside an open transaction",
      "ov3",
      async (write) => {
        await first.query("BEGIN");
        try {
          return await refusal(first, write);
        } finally {
          await first.query("ROLLBACK");
        }
      },
    ],
    [
      "as a prepared statement (Parse, Bind, Execute)",
      "ov4",
      (write) =>
        first.query({ text: write.replace("= 0", "= $1"), values: [0] }).then(
          () => null,
          (error: Error) => error.message,
        ),
    ],
  ];
  for (const [shape, view, run] of shapes) {
    it(`is refused ${shape}`, async () => {
      expect(await refusal(second, `CREATE VIEW ${view} AS SELECT * FROM orders`)).toBeNull();
      const refused = await run(`UPDATE ${view} SET total = 0 WHERE id = 1`);
      expect((await stage.admin.query(ORDERS)).rows).toEqual(ORIGINAL);
      expect(refused).toMatch(/orders are read-only/);
    });
  }

  it("is refused as a MERGE and as a writable CTE", async () => {
    expect(await refusal(second, "CREATE VIEW ov5 AS SELECT * FROM orders")).toBeNull();
    const merge = await refusal(
      first,
      "MERGE INTO ov5 t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET total = 0",
    );
    expect(merge).toMatch(/orders are read-only/);
    expect(await refusal(second, "CREATE VIEW ov6 AS SELECT * FROM orders")).toBeNull();
    const cte = await refusal(
      first,
      "WITH gone AS (DELETE FROM ov6 WHERE id = 2 RETURNING id) SELECT * FROM gone",
    );
    expect(cte).toMatch(/orders are read-only/);
    expect((await stage.admin.query(ORDERS)).rows).toEqual(ORIGINAL);
  });
});
