import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * Bypass corpus: a session whose search_path names pg_catalog after public (`SET search_path =
 * public, pg_catalog`), and a view another connection just made in public under the name of one of
 * pg_catalog's own relations (`public.pg_views`) over a table a TABLE rule covers. pg_catalog is
 * searched first only when the path does not name it: here the server finds public's view first.
 * Sluice took the bare name for pg_catalog's relation (it is one of its names), so it did not read
 * its catalog again and judged the read as one of the server's own catalogs.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE vault (id int PRIMARY KEY, secret int);
  INSERT INTO vault VALUES (1, 4242);
  CREATE TABLE events (id int);
  CREATE TABLE people (id int, ssn text);
  INSERT INTO people VALUES (1, '123-45-6789');
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`;

const view = (name: string, role: string) =>
  `CREATE VIEW public.${name} AS SELECT * FROM vault; GRANT ALL ON public.${name} TO ${role};`;

let stage: BypassStage;
let agent: pg.Client;

const outcome = (client: pg.Client, sql: string) =>
  client.query(sql).then(
    (result) => result.rows,
    (error: Error) => ({ message: error.message }),
  );

beforeAll(async () => {
  stage = await startBypassStage({
    schema: SCHEMA,
    guardrails: [
      {
        name: "vault untouched",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.vault"], access: "any" },
      },
    ],
  });
  const { harness } = stage;
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.people.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
});
afterAll(async () => {
  await agent?.end();
  await stage?.stop();
});

describe("a fresh public view named as a pg_catalog relation, with pg_catalog later on the path", () => {
  it("reads the covered table straight against the server", async () => {
    await stage.admin.query(view("pg_indexes", stage.upstream.user));
    const direct = new pg.Client({ connectionString: stage.harness.directUrl });
    await direct.connect();
    try {
      await direct.query("SET search_path = public, pg_catalog");
      expect((await direct.query("SELECT secret FROM pg_indexes")).rows).toEqual([{ secret: 4242 }]);
    } finally {
      await direct.end();
    }
  });

  it("is refused when read at once", async () => {
    expect(await outcome(agent, "SET search_path = public, pg_catalog")).toEqual([]);
    // A fresh catalog, so only a relation it lacks can have it read again.
    expect(await outcome(agent, "SELECT * FROM events")).toEqual([]);
    await stage.admin.query(view("pg_views", stage.upstream.user));
    expect(await outcome(agent, "SELECT secret FROM pg_views")).toMatchObject({
      message: expect.stringMatching(/"vault untouched"/),
    });
  });

  it("is refused when read at once under a statistics view's name", async () => {
    expect(await outcome(agent, "SELECT * FROM events")).toEqual([]);
    await stage.admin.query(view("pg_stats", stage.upstream.user));
    expect(await outcome(agent, "SELECT secret FROM pg_stats")).toMatchObject({
      message: expect.stringMatching(/"vault untouched"/),
    });
  });

  it("still reads pg_catalog's own relations by their bare names", async () => {
    // No operator or function: with pg_catalog later on the path those are refused by name.
    expect(await outcome(agent, "SELECT relname FROM pg_class LIMIT 0")).toEqual([]);
  });

  // The masking side traces what it returns apart, and held on main and seal12 alike: kept as a guard.
  it("keeps a masked column masked when read at once", async () => {
    expect(await outcome(agent, "SELECT * FROM events")).toEqual([]);
    await stage.admin.query(
      `CREATE VIEW public.pg_user AS SELECT id, ssn FROM people; GRANT SELECT ON public.pg_user TO ${stage.upstream.user}`,
    );
    const rows = await outcome(agent, "SELECT ssn FROM pg_user");
    expect(JSON.stringify(rows)).not.toContain("6789");
  });

  it("keeps a masked column masked when read in a transaction", async () => {
    await agent.query("BEGIN");
    try {
      await stage.admin.query(
        `CREATE VIEW public.pg_roles AS SELECT id, ssn FROM people; GRANT SELECT ON public.pg_roles TO ${stage.upstream.user}`,
      );
      const rows = await outcome(agent, "SELECT ssn FROM pg_roles");
      expect(JSON.stringify(rows)).not.toContain("6789");
    } finally {
      await agent.query("ROLLBACK");
    }
  });
});
