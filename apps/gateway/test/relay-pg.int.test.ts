import type { DecisionPoint, Verdict } from "@sluice/policy/verdict";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

/** Denies any statement carrying the marker, so tests can drive the decision point precisely. */
const MARKER_DECISIONS: DecisionPoint = {
  openSession: () => ({
    decide: (statement): Verdict =>
      statement.sql.includes("forbidden_marker")
        ? {
            kind: "deny",
            rule: "test-rule",
            message: 'blocked by guardrail "test-rule": the statement names forbidden_marker',
          }
        : { kind: "allow" },
    version: () => 1,
  }),
};

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ decisions: MARKER_DECISIONS });
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(
    `CREATE TABLE items (id int PRIMARY KEY, name text, payload bytea, price numeric(10,2))`,
  );
  await direct.query(
    `INSERT INTO items SELECT g, 'item ' || g, decode(md5(g::text), 'hex'), g * 1.25 FROM generate_series(1, 500) g`,
  );
  await direct.end();
});
afterAll(() => harness?.stop());

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe("relay through node-postgres", () => {
  it("returns exactly what a direct connection returns, in text and binary", async () => {
    const sql = "SELECT id, name, payload, price FROM items WHERE id <= $1 ORDER BY id";
    const direct = await withClient(harness.directUrl, (c) => c.query({ text: sql, values: [50] }));
    const viaGateway = await withClient(harness.url, (c) => c.query({ text: sql, values: [50] }));
    expect(viaGateway.rows).toEqual(direct.rows);
    expect(viaGateway.fields.map((f) => [f.name, f.dataTypeID])).toEqual(
      direct.fields.map((f) => [f.name, f.dataTypeID]),
    );
    const binary = await withClient(harness.url, (c) =>
      c.query({ text: sql, values: [5], binary: true } as pg.QueryConfig),
    );
    expect(binary.rows).toHaveLength(5);
  });

  it("keeps named prepared statements across executions", async () => {
    await withClient(harness.url, async (client) => {
      for (const id of [3, 7, 11]) {
        const result = await client.query({
          name: "by-id",
          text: "SELECT name FROM items WHERE id = $1",
          values: [id],
        });
        expect(result.rows).toEqual([{ name: `item ${id}` }]);
      }
    });
  });

  it("denies a statement with the rule's message and the session carries on (simple protocol)", async () => {
    await withClient(harness.url, async (client) => {
      const error = await client.query("SELECT 1 AS forbidden_marker").catch((e: pg.DatabaseError) => e);
      expect(error).toMatchObject({
        code: "42501",
        message: expect.stringContaining('blocked by guardrail "test-rule"'),
      });
      const after = await client.query("SELECT 2 AS ok");
      expect(after.rows).toEqual([{ ok: 2 }]);
    });
  });

  it("denies at Parse and the session carries on after Sync (extended protocol)", async () => {
    await withClient(harness.url, async (client) => {
      const error = await client
        .query({ text: "SELECT $1::int AS forbidden_marker", values: [1] })
        .catch((e: pg.DatabaseError) => e);
      expect(error).toMatchObject({ code: "42501" });
      const after = await client.query({ text: "SELECT $1::int AS ok", values: [3] });
      expect(after.rows).toEqual([{ ok: 3 }]);
    });
  });

  it("keeps pipelined responses in order around a denial", async () => {
    await withClient(harness.url, async (client) => {
      const results = await Promise.allSettled([
        client.query({ text: "SELECT $1::int AS n", values: [1] }),
        client.query({ text: "SELECT $1::int AS forbidden_marker", values: [2] }),
        client.query({ text: "SELECT $1::int AS n", values: [3] }),
        client.query("SELECT 4 AS n"),
      ]);
      expect(
        results.map((r) =>
          r.status === "fulfilled" ? r.value.rows[0].n : (r.reason as pg.DatabaseError).code,
        ),
      ).toEqual([1, "42501", 3, 4]);
    });
  });

  it("relays upstream errors and transactions, and keeps the session usable", async () => {
    await withClient(harness.url, async (client) => {
      await client.query("BEGIN");
      await client.query("INSERT INTO items (id, name) VALUES (1001, 'tx')");
      const error = await client.query("SELECT 1/0").catch((e: pg.DatabaseError) => e);
      expect(error).toMatchObject({ code: "22012" });
      await client.query("ROLLBACK");
      const { rows } = await client.query("SELECT count(*)::int AS n FROM items WHERE id = 1001");
      expect(rows).toEqual([{ n: 0 }]);
    });
  });

  it("relays large values intact", async () => {
    await withClient(harness.url, async (client) => {
      const { rows } = await client.query(
        "SELECT repeat('x', 5 * 1024 * 1024) AS big, md5(repeat('x', 5 * 1024 * 1024)) AS sum",
      );
      expect(rows[0].big).toHaveLength(5 * 1024 * 1024);
      const echoed = await client.query({
        text: "SELECT md5($1::text) AS sum",
        values: ["y".repeat(3 * 1024 * 1024)],
      });
      const expected = await withClient(harness.directUrl, (c) =>
        c.query({ text: "SELECT md5($1::text) AS sum", values: ["y".repeat(3 * 1024 * 1024)] }),
      );
      expect(echoed.rows).toEqual(expected.rows);
    });
  });

  it("relays notices, LISTEN/NOTIFY and parameter status", async () => {
    const listener = new pg.Client({ connectionString: harness.url });
    await listener.connect();
    try {
      const notices: string[] = [];
      listener.on("notice", (notice) => notices.push(notice.message ?? ""));
      await listener.query("DO $$ BEGIN RAISE NOTICE 'hello from upstream'; END $$");
      expect(notices).toEqual(["hello from upstream"]);
      const received = new Promise<pg.Notification>((resolve) => listener.once("notification", resolve));
      await listener.query("LISTEN sluice_test");
      await withClient(harness.url, (c) => c.query("NOTIFY sluice_test, 'payload-42'"));
      expect(await received).toMatchObject({ channel: "sluice_test", payload: "payload-42" });
      await listener.query("SET application_name = 'changed-by-agent'");
      const { rows } = await listener.query("SHOW application_name");
      expect(rows).toEqual([{ application_name: "changed-by-agent" }]);
    } finally {
      await listener.end();
    }
  });
});
