import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type BypassCase, GUARDRAIL_CASES } from "./corpus/guardrail-cases";
import { READ_ONLY_CONNECTION as READ_ONLY, seedDemoShapedShop } from "./support/demo-shaped-shop";
import { type Harness, startHarness } from "./support/gateway-harness";
import { run } from "./support/run";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await seedDemoShapedShop(harness);
});
afterAll(() => harness?.stop());

function urlFor(testCase: BypassCase): string {
  return harness.urlFor(
    harness.agent.name,
    harness.token,
    testCase.isReadOnly ? READ_ONLY : harness.connectionName,
  );
}

async function verdictVia(testCase: BypassCase, mode: "simple" | "extended"): Promise<string> {
  const client = new pg.Client({ connectionString: urlFor(testCase) });
  await client.connect();
  try {
    for (const statement of testCase.setup ?? []) await client.query(statement);
    await client.query({
      text: testCase.sql,
      ...(mode === "extended" ? { queryMode: "extended" } : {}),
    } as pg.QueryConfig);
    return "allow";
  } catch (error) {
    return verdictOf(error as pg.DatabaseError);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A refusal by Sluice names its rule; any other error is the database's own and means "allowed". */
function verdictOf(error: { code?: string; message: string; hint?: string }): string {
  // What does not parse is answered with the server's own syntax error, byte for byte (no hint):
  // nothing of it ran, which is what the parse-error default promises.
  if (error.code === "42601") return "sluice:parse-error";
  const match =
    /^blocked by (?:guardrail|Sluice default) "([^"]+)"/.exec(error.message) ??
    /review rule "([^"]+)"/.exec(error.message);
  if (!match) return "allow";
  expect(error.code).toBe("42501");
  return match[1] as string;
}

describe("bypass corpus through the wire", () => {
  for (const testCase of GUARDRAIL_CASES) {
    it(`[${testCase.class}] ${JSON.stringify(testCase.sql)} → ${testCase.expect}`, async () => {
      expect(await verdictVia(testCase, "simple")).toBe(testCase.expect);
      expect(await verdictVia(testCase, "extended")).toBe(testCase.expect);
      if (testCase.expect !== "allow") {
        const args = [
          "-X",
          "-v",
          "ON_ERROR_STOP=1",
          ...(testCase.setup ?? []).flatMap((s) => ["-c", s]),
          "-c",
          testCase.sql,
          urlFor(testCase),
        ];
        const psql = await run("psql", args);
        expect(psql.code).not.toBe(0);
        expect(psql.stderr).toContain(
          testCase.expect === "sluice:parse-error" ? "syntax error" : `"${testCase.expect}"`,
        );
      }
    });
  }
});

describe("messages an agent can act on", () => {
  it("names the rule, the connection, the statement and the table", async () => {
    const result = await run("psql", ["-X", "-c", "DELETE FROM orders", harness.url]);
    expect(result.stderr).toContain(
      `ERROR:  blocked by guardrail "no-unscoped-delete" on connection ${harness.connectionName}: DELETE on public.orders has no WHERE clause`,
    );
  });

  it("applies a policy change to the next statement of a session already open", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      expect((await client.query("SELECT count(*)::int AS n FROM notes")).rows[0].n).toBeGreaterThan(0);
      const shop = await harness.prisma.connection.findUniqueOrThrow({
        where: { name: harness.connectionName },
      });
      const rule = await harness.prisma.guardrailRule.create({
        data: {
          connectionId: shop.id,
          name: "no-notes-reads",
          kind: "TABLE",
          match: { tables: ["public.notes"], access: "read" },
        },
      });
      await bumpPolicyVersion(harness.prisma);
      // The gateway hears of the change (NOTIFY, or the poll behind it) and reloads: from then on
      // the open session's very next statement is judged under the new rule.
      await until(
        () =>
          harness.gateway.policies.get(shop.id)?.guardrails.some((guard) => guard.name === "no-notes-reads"),
        { what: "the gateway to load the new rule", timeoutMs: 30_000 },
      );
      const verdict = await client.query("SELECT count(*) FROM notes").then(
        () => "allow",
        (error: pg.DatabaseError) => verdictOf(error),
      );
      expect(verdict).toBe("no-notes-reads");
      await harness.prisma.guardrailRule.delete({ where: { id: rule.id } });
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
      expect((await client.query("SELECT count(*)::int AS n FROM notes")).rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it("re-judges a prepared statement after a policy change before it runs again", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      const named = { name: "count-notes", text: "SELECT count(*)::int AS n FROM notes" };
      expect((await client.query(named)).rows[0].n).toBeGreaterThan(0);
      const shop = await harness.prisma.connection.findUniqueOrThrow({
        where: { name: harness.connectionName },
      });
      const rule = await harness.prisma.guardrailRule.create({
        data: {
          connectionId: shop.id,
          name: "no-notes-later",
          kind: "TABLE",
          match: { tables: ["notes"] },
        },
      });
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
      const error = await client.query(named).catch((e: pg.DatabaseError) => e);
      expect(verdictOf(error as pg.DatabaseError)).toBe("no-notes-later");
      await harness.prisma.guardrailRule.delete({ where: { id: rule.id } });
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
    } finally {
      await client.end();
    }
  });
});

describe("bypass corpus: names resolved the way the server resolves them", () => {
  it("[search-path] re-judges a prepared statement when the path moves under it, even inside a function", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      await client.query("SET search_path = hr, public");
      // hr.secrets: no rule names it, so the prepared statement is allowed.
      const named = { name: "read-secrets", text: "SELECT count(*)::int AS n FROM secrets" };
      expect((await client.query(named)).rows[0].n).toBe(0);
      await client.query("SELECT public.path_to_public()");
      // The same prepared statement now reads public.secrets, and the next Bind is judged again.
      const error = await client.query(named).catch((e: pg.DatabaseError) => e);
      expect(verdictOf(error as pg.DatabaseError)).toBe("no-secrets");
    } finally {
      await client.end();
    }
  });

  /**
   * The agent's session with hr before public on its path, and an admin connection to the same
   * database that moves hr.secrets out of the way (and back afterwards).
   */
  async function withShadowedSecrets(
    run: (agent: pg.Client, admin: pg.Client) => Promise<void>,
    restore = "ALTER TABLE IF EXISTS hr.secrets_moved RENAME TO secrets",
  ): Promise<void> {
    const admin = new pg.Client({ connectionString: harness.upstreamAdminUrl });
    await admin.connect();
    const agent = new pg.Client({ connectionString: harness.url });
    await agent.connect();
    try {
      await agent.query("SET search_path = hr, public");
      await run(agent, admin);
    } finally {
      await admin.query(restore).catch(() => {});
      await admin.end();
      await agent.end();
    }
  }

  const COUNT_SECRETS = "SELECT count(*)::int AS n FROM secrets";
  const verdictOfQuery = async (client: pg.Client, query: string | pg.QueryConfig) =>
    verdictOf((await client.query(query).catch((e) => e)) as pg.DatabaseError);

  it("[search-path] a prepared statement allowed for where its name resolved is judged again at each run", () =>
    withShadowedSecrets(async (agent, admin) => {
      const named = { name: "count-secrets", text: COUNT_SECRETS };
      expect((await agent.query(named)).rows[0].n).toBe(0);
      // The server looks the name up again when the catalog changes: now it is public.secrets.
      await admin.query("ALTER TABLE hr.secrets RENAME TO secrets_moved");
      expect(await verdictOfQuery(agent, named)).toBe("no-secrets");
    }));

  it("[search-path] a name whose table another transaction is renaming is not placed", () =>
    withShadowedSecrets(async (agent, admin) => {
      // Uncommitted: a statement waiting for this lock would look its name up again after the commit.
      await admin.query("BEGIN; ALTER TABLE hr.secrets RENAME TO secrets_moved");
      expect(await verdictOfQuery(agent, COUNT_SECRETS)).toBe("no-secrets");
    }, "ROLLBACK"));

  it("[search-path] a name only the catalog can place is judged where the server finds it", () =>
    withShadowedSecrets(async (agent, admin) => {
      expect((await agent.query(COUNT_SECRETS)).rows[0].n).toBe(0);
      // Someone moves the shadowing table away: the same text now reaches public.secrets.
      await admin.query("ALTER TABLE hr.secrets RENAME TO secrets_moved");
      expect(await verdictOfQuery(agent, COUNT_SECRETS)).toBe("no-secrets");
    }));
});
