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
    ],
  });
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
});
