import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * Review of fe6b868 (the catalog read over a kept side connection). That connection logs in as the
 * brokered role, so it takes the role's defaults, and any role may set its own:
 * `ALTER ROLE CURRENT_USER SET statement_timeout = 1` makes every catalog read fail from the
 * connection's next login on (which the same role can bring about with pg_terminate_backend on its
 * own backend, or by waiting out the 10 s idle close). The search_path is pinned by a startup
 * option; nothing else is. A statement judged against a code catalog older than CODE_MAX_AGE_MS is
 * to wait for a new read, but when that read fails it is judged against the old one anyway
 * (session-decider: `refresh(...).then(caughtUp, judge)`), for as long as reads keep failing: the
 * owner's trigger created since is never seen, and a TABLE rule on writes is passed by.
 */
const MAX_AGE_WAIT_MS = 6_000;
const ORDERS = "SELECT id, total FROM orders ORDER BY id";
const ORIGINAL = [
  { id: 1, total: 10 },
  { id: 2, total: 20 },
];

let stage: BypassStage;
let agent: pg.Client;

const wipeTrigger = (table: string) => `
  CREATE FUNCTION ${table}_wipe() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM orders WHERE id = NEW.id; RETURN NEW; END $$;
  CREATE TRIGGER ${table}_wipe AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_wipe();`;

/** The brokered role's name. */
const role = () => decodeURIComponent(new URL(stage.harness.directUrl).username);

/** As the brokered role, straight to the server (its own statement_timeout set to none). */
async function asRole<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const direct = new pg.Client({ connectionString: stage.harness.directUrl });
  await direct.connect();
  try {
    await direct.query("SET statement_timeout = 0");
    return await run(direct);
  } finally {
    await direct.end();
  }
}

/** Whether the insert, run straight as the brokered role and rolled back, changes orders. */
const changesOrdersDirectly = (sql: string) =>
  asRole(async (direct) => {
    await direct.query("BEGIN");
    try {
      await direct.query(sql);
      return JSON.stringify((await direct.query(ORDERS)).rows) !== JSON.stringify(ORIGINAL);
    } finally {
      await direct.query("ROLLBACK");
    }
  });

const refusal = (sql: string) =>
  agent.query(sql).then(
    () => null,
    (error: Error) => error.message,
  );

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
      CREATE TABLE orders (id int PRIMARY KEY, total int);
      INSERT INTO orders VALUES (1, 10), (2, 20);
      CREATE TABLE inbox_seen (id int);
      CREATE TABLE inbox_unseen (id int);
      CREATE TABLE inbox_unreadable (id int);
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "orders are read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.orders"], access: "write" },
      },
    ],
  });
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
  // Writes with no trigger yet: allowed, and the gateway has read the catalog.
  expect(await refusal("INSERT INTO inbox_seen VALUES (100)")).toBeNull();
  expect(await refusal("INSERT INTO inbox_unseen VALUES (100)")).toBeNull();
  expect(await refusal("INSERT INTO inbox_unreadable VALUES (100)")).toBeNull();
}, 120_000);

afterAll(async () => {
  await asRole((direct) => direct.query("ALTER ROLE CURRENT_USER RESET statement_timeout")).catch(() => {});
  await stage?.admin.query(`ALTER ROLE "${role()}" CONNECTION LIMIT -1`).catch(() => {});
  await agent?.end();
  await stage?.stop();
});

describe("a trigger the owner adds after the gateway's last catalog read", () => {
  it("is seen once the catalog is older than its maximum age (the setup is what the test claims)", async () => {
    await stage.admin.query(wipeTrigger("inbox_seen"));
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_WAIT_MS));
    expect(await changesOrdersDirectly("INSERT INTO inbox_seen VALUES (1)")).toBe(true);
    expect(await refusal("INSERT INTO inbox_seen VALUES (1)")).toMatch(/orders are read-only/);
    expect((await stage.admin.query(ORDERS)).rows).toEqual(ORIGINAL);
  });

  it("is still seen when the brokered role made the gateway's catalog reads time out", async () => {
    await asRole(async (direct) => {
      await direct.query("ALTER ROLE CURRENT_USER SET statement_timeout = 1");
      // The kept catalog connection logs in again, now with the role's new default.
      await direct.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sluice-masking-catalog' AND usename = current_user",
      );
    });
    await stage.admin.query(wipeTrigger("inbox_unseen"));
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_WAIT_MS));
    expect(await changesOrdersDirectly("INSERT INTO inbox_unseen VALUES (2)")).toBe(true);
    const refused = await refusal("INSERT INTO inbox_unseen VALUES (2)");
    const orders = (await stage.admin.query(ORDERS)).rows;
    expect(orders).toEqual(ORIGINAL);
    expect(refused).not.toBeNull();
  });

  it("refuses, saying why, when the fresh read it needs cannot be made at all", async () => {
    // No new login for the role while the agent's pooled upstream holds its one connection: the
    // kept catalog connection, ended, cannot come back (what an exhausted server does too).
    await stage.admin.query(`ALTER ROLE "${role()}" CONNECTION LIMIT 1`);
    await stage.admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sluice-masking-catalog'",
    );
    await stage.admin.query(wipeTrigger("inbox_unreadable"));
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_WAIT_MS));
    const refused = await refusal("INSERT INTO inbox_unreadable VALUES (1)");
    expect(refused).toMatch(/needed a fresh read of the upstream's catalog, which failed/);
    expect((await stage.admin.query(ORDERS)).rows).toEqual(ORIGINAL);
    await stage.admin.query(`ALTER ROLE "${role()}" CONNECTION LIMIT -1`);
  });
});
