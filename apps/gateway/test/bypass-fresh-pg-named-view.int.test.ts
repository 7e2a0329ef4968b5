import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, changesDirectly, startBypassStage } from "./support/bypass-stage";

/**
 * Bypass corpus: a view whose name starts with `pg_`, made in `public` by another connection over a
 * table a TABLE rule covers, read or written by its bare name at once. PostgreSQL reserves the
 * prefix for schemas, not relations, and finds the view (pg_catalog, searched first, has no such
 * relation). Sluice took every bare `pg_` name for one of the server's own catalogs, so it never
 * read its catalog again for it and judged the view, unknown, as a plain table: the rule was
 * passed by until the next read (up to 5 s). Such a name now counts as the server's own only when
 * the catalog read found it in pg_catalog.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE vault (id int PRIMARY KEY, secret int);
  INSERT INTO vault VALUES (1, 4242);
  CREATE TABLE events (id int);
  CREATE TABLE people (id int, ssn text);
  INSERT INTO people VALUES (1, '123-45-6789');
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`;

const view = (name: string, role: string) =>
  `CREATE VIEW ${name} AS SELECT * FROM vault; GRANT ALL ON ${name} TO ${role};`;

let stage: BypassStage;
let agent: pg.Client;

const outcome = (sql: string) =>
  agent.query(sql).then(
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
      {
        name: "events read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.events"], access: "write" },
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

describe("a fresh view named pg_… over a covered table, by its bare name", () => {
  it("reads and writes the covered table straight against the server", async () => {
    await stage.admin.query(view("pg_oracle", stage.upstream.user));
    const direct = new pg.Client({ connectionString: stage.harness.directUrl });
    await direct.connect();
    try {
      expect((await direct.query("SELECT secret FROM pg_oracle")).rows).toEqual([{ secret: 4242 }]);
    } finally {
      await direct.end();
    }
    expect(await changesDirectly(stage, "SELECT * FROM vault", "INSERT INTO pg_oracle VALUES (2, 1)")).toBe(
      true,
    );
  });

  it("is refused when read at once", async () => {
    // A fresh catalog, so only a relation it lacks can have it read again.
    expect(await outcome("SELECT * FROM events")).toEqual([]);
    await stage.admin.query(view("pg_read_copy", stage.upstream.user));
    expect(await outcome("SELECT secret FROM pg_read_copy")).toMatchObject({
      message: expect.stringMatching(/"vault untouched"/),
    });
  });

  it("is refused when written at once", async () => {
    expect(await outcome("SELECT * FROM events")).toEqual([]);
    await stage.admin.query(view("pg_write_copy", stage.upstream.user));
    expect(await outcome("INSERT INTO pg_write_copy VALUES (3, 1)")).toMatchObject({
      message: expect.stringMatching(/"vault untouched"/),
    });
  });

  // In a transaction a read of a relation the catalog lacks does not have it read again first: the
  // view stays unknown until the next read, and what it returns must be masked meanwhile. The
  // masking side took the bare pg_ name for pg_catalog's too, and left a computed column in clear.
  it("keeps a masked column masked when read in a transaction, computed or not", async () => {
    await agent.query("BEGIN");
    try {
      await stage.admin.query(
        `CREATE VIEW pg_ssn_copy AS SELECT id, ssn FROM people; GRANT SELECT ON pg_ssn_copy TO ${stage.upstream.user}`,
      );
      const rows = await outcome("SELECT ssn, ssn || '' AS computed FROM pg_ssn_copy");
      expect(JSON.stringify(rows)).not.toContain("6789");
    } finally {
      await agent.query("ROLLBACK");
    }
  });
  // pg_catalog is searched first only when the path does not name it: `public, pg_catalog` puts a
  // public relation ahead of the server's own of the same name.
  it("is refused when it shadows a pg_catalog relation through the search path", async () => {
    // A session of its own: the path a session held stays in its union.
    const shifted = new pg.Client({ connectionString: stage.harness.url });
    await shifted.connect();
    try {
      await shifted.query("SET search_path = public, pg_catalog");
      await shifted.query("SELECT * FROM events");
      await stage.admin.query(view("public.pg_description", stage.upstream.user));
      const read = await shifted.query("SELECT secret FROM pg_description").then(
        (result) => result.rows,
        (error: Error) => ({ message: error.message }),
      );
      expect(read).toMatchObject({ message: expect.stringMatching(/"vault untouched"/) });
    } finally {
      await shifted.end();
    }
  });

  // The temporary schema is searched before pg_catalog: a temporary view this session just made
  // under a pg_catalog relation's name is what the server writes through.
  it("is refused when a temporary view named like a pg_catalog relation is written", async () => {
    expect(await outcome("SELECT * FROM events")).toEqual([]);
    // It ends with the session (dropping it is a write through it, refused too).
    await agent.query("CREATE TEMP VIEW pg_amop AS SELECT id FROM events");
    expect(await outcome("INSERT INTO pg_amop VALUES (9)")).toMatchObject({
      message: expect.stringMatching(/"events read-only"/),
    });
  });

  // The catalog is read from another connection, which cannot see what this transaction made: a
  // row write to such a relation cannot be followed, so it is refused under a TABLE rule on writes.
  it("is refused when a temporary view is written in the transaction that made it", async () => {
    await agent.query("BEGIN");
    try {
      await agent.query("CREATE TEMP VIEW probe_v AS SELECT id FROM events");
      expect(await outcome("INSERT INTO probe_v VALUES (9)")).toMatchObject({
        message: expect.stringMatching(/writes probe_v, which the upstream's catalog does not hold/),
      });
    } finally {
      await agent.query("ROLLBACK");
    }
  });
  it("is refused when a temporary view named pg_… is written in the transaction that made it", async () => {
    await agent.query("BEGIN");
    try {
      await agent.query("CREATE TEMP VIEW pg_am AS SELECT id FROM events");
      expect(await outcome("INSERT INTO pg_am VALUES (9)")).toMatchObject({
        message: expect.stringMatching(/writes pg_am, which the upstream's catalog does not hold/),
      });
    } finally {
      await agent.query("ROLLBACK");
    }
  });
  // The catalog read lists a temporary view under its session's pg_temp_N; the statement names it
  // as pg_temp's. A write through it was not followed at all.
  it("is refused when a temporary view over a covered table is written", async () => {
    await agent.query("CREATE TEMP VIEW tv_events AS SELECT id FROM events");
    expect(await outcome("INSERT INTO tv_events VALUES (9)")).toMatchObject({
      message: expect.stringMatching(/"events read-only"/),
    });
  });
});
