import path from "node:path";
import pg from "pg";
import Cursor from "pg-cursor";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { run } from "./support/run";

/**
 * The CI subset of the driver-conformance harness (bench/conformance runs the drivers' own suites
 * in the long tier): the features those suites exercise, driven through `pg`, `postgres` and
 * psycopg from the lockfile and the system, directly and through Sluice. Each driver must see the
 * same results either way, refusals aside, and a refusal must look to the driver like the error
 * the server would have raised at the same point.
 */

const PYTHON = "/usr/bin/python3";
const CLIENTS_DIR = path.join(import.meta.dirname, "clients");
const REFUSED_IN_MULTI = "SELECT 1; SELECT pg_read_file('/etc/hostname'); SELECT 2";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.stop());

type ErrorSummary = { code?: string; message?: string; position?: string | number | null } | null;

function summary(error: unknown): ErrorSummary {
  const e = error as { code?: string; message?: string; position?: string };
  return { code: e.code, message: e.message, position: e.position ?? null };
}

/** The refusal's message is Sluice's own (the server's would name the function): compare the code. */
function codeOnly(error: ErrorSummary): ErrorSummary {
  return error && { code: error.code };
}

async function pgScenarios(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const notifications: string[] = [];
  client.on("notification", (message) => notifications.push(`${message.channel}:${message.payload}`));
  try {
    const out: Record<string, unknown> = {};
    out["simple"] = (await client.query("SELECT 1 AS one, 'two' AS two, NULL::int AS none")).rows;
    out["types"] = (
      await client.query(
        "SELECT $1::int AS i, $2::numeric AS n, $3::text AS t, $4::jsonb AS j, $5::bytea AS b, $6::timestamptz AS ts, $7::int[] AS a",
        [42, "3.14159", "é€", { k: [1, 2] }, Buffer.from([0, 255]), "2026-12-03T10:00:00Z", [1, 2, 3]],
      )
    ).rows.map((row) => JSON.stringify(row));
    out["named"] = (
      await client.query({
        name: "gt",
        text: "SELECT x FROM generate_series(1, 5) x WHERE x > $1",
        values: [2],
      })
    ).rows;
    out["named_again"] = (
      await client.query({
        name: "gt",
        text: "SELECT x FROM generate_series(1, 5) x WHERE x > $1",
        values: [4],
      })
    ).rows;
    out["division"] = await client.query("SELECT 1/0").catch(summary);
    out["syntax"] = await client.query("SELEC 1").catch(summary);
    out["syntax_extended"] = await client.query({ text: "SELEC $1", values: [1] }).catch(summary);
    out["refused_in_multi"] = codeOnly(await client.query(REFUSED_IN_MULTI).then(() => null, summary));
    out["empty"] = (await client.query("")).command ?? null;
    await client.query("BEGIN");
    await client.query("CREATE TEMP TABLE items (id int) ON COMMIT DROP");
    await client.query("INSERT INTO items VALUES (1)");
    await client.query("SAVEPOINT s");
    out["in_savepoint"] = await client.query("INSERT INTO items VALUES (1/0)").catch(summary);
    await client.query("ROLLBACK TO s");
    out["after_savepoint"] = (await client.query("SELECT count(*)::int AS n FROM items")).rows;
    const cursor = client.query(new Cursor("SELECT x FROM generate_series(1, 7) x"));
    out["cursor"] = [await cursor.read(3), await cursor.read(3), await cursor.read(3)];
    await cursor.close();
    await client.query("COMMIT");
    await client.query("LISTEN conformance");
    await client.query("SELECT pg_notify('conformance', 'hello')");
    // A notification sent in autocommit arrives before the ReadyForQuery of the query that sent it.
    out["notifications"] = notifications;
    return out;
  } finally {
    await client.end();
  }
}

async function postgresJsScenarios(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {}, fetch_types: true });
  const listener = postgres(url, { max: 1 });
  try {
    const out: Record<string, unknown> = {};
    out["simple"] = await sql`SELECT 1 AS one, 'two' AS two, NULL::int AS none`;
    out["types"] = JSON.stringify(
      await sql`SELECT ${42}::int AS i, ${"3.14159"}::numeric AS n, ${"é€"}::text AS t,
        ${sql.json({ k: [1, 2] })} AS j, ${Buffer.from([0, 255])}::bytea AS b, ${[1, 2, 3]}::int[] AS a`,
    );
    // Pipelining: several queries in flight on one connection, answered in order.
    out["pipelined"] = await Promise.all([1, 2, 3, 4].map((n) => sql`SELECT ${n}::int * 10 AS v`));
    out["division"] = await sql`SELECT 1/0`.catch(summary);
    out["syntax"] = await sql.unsafe("SELEC 1").catch(summary);
    out["syntax_extended"] = await sql.unsafe("SELEC $1", [1]).catch(summary);
    out["refused_in_multi"] = codeOnly(await sql.unsafe(REFUSED_IN_MULTI).then(() => null, summary));
    out["transaction"] = await sql
      .begin(async (tx) => {
        await tx`CREATE TEMP TABLE t_items (id int) ON COMMIT DROP`;
        await tx`INSERT INTO t_items VALUES (1)`;
        const inner = await tx
          .savepoint(async (sp) => {
            await sp`INSERT INTO t_items VALUES (2)`;
            await sp`SELECT 1/0`;
          })
          .catch(summary);
        const [count] = await tx`SELECT count(*)::int AS n FROM t_items`;
        return { inner, count };
      })
      .catch(summary);
    const batches: number[][] = [];
    await sql`SELECT x FROM generate_series(1, 7) x`.cursor(3, (rows) => {
      batches.push(rows.map((row) => row["x"] as number));
    });
    out["cursor"] = batches;
    // LISTEN holds a connection of its own: with a pool of one it would wait for the first forever.
    const heard = new Promise<string>((resolve, reject) => {
      listener
        .listen("conformance_js", (payload) => resolve(payload))
        .then(() => sql.notify("conformance_js", "hello"), reject);
    });
    out["notification"] = await heard;
    return out;
  } finally {
    await sql.end({ timeout: 1 });
    await listener.end({ timeout: 1 });
  }
}

describe("driver conformance, CI subset: the same results directly and through Sluice", () => {
  it("node-postgres (pg): simple and extended, types, errors, savepoints, cursors, notifications", async () => {
    const direct = await pgScenarios(harness.directUrl);
    const gateway = await pgScenarios(harness.url);
    expect(gateway).toEqual(direct);
    expect(direct["refused_in_multi"]).toEqual({ code: "42501" });
  });

  it("postgres.js: pipelining, types, errors, transactions, savepoints, cursors, LISTEN/NOTIFY", async () => {
    const direct = await postgresJsScenarios(harness.directUrl);
    const gateway = await postgresJsScenarios(harness.url);
    expect(gateway).toEqual(direct);
    expect(direct["notification"]).toBe("hello");
  });

  it("psycopg 3: types, server-side prepare, errors, COPY both ways, nested transactions, named cursors", async () => {
    const script = path.join(CLIENTS_DIR, "psycopg_scenarios.py");
    const direct = await run(PYTHON, [script, harness.directUrl]);
    const gateway = await run(PYTHON, [script, harness.url]);
    expect(direct.code, direct.stderr).toBe(0);
    expect(gateway.code, gateway.stderr).toBe(0);
    const [directOut, gatewayOut] = [JSON.parse(direct.stdout), JSON.parse(gateway.stdout)];
    // Sluice's refusal carries its own words where the server names the function it refused.
    for (const out of [directOut, gatewayOut]) out.refused_in_multi = codeOnly(out.refused_in_multi);
    expect(gatewayOut).toEqual(directOut);
    expect(directOut.copy_out).toHaveLength(3);
  });
});
