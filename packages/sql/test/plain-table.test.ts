import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

function one(sql: string): StatementFacts {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements[0] as StatementFacts;
}

describe("which CREATE TABLE makes a plain table", () => {
  it("names a temporary one's schema pg_temp, however it is made temporary, with its column types", () => {
    expect(
      one("CREATE TEMP TABLE s (id serial PRIMARY KEY, at timestamptz DEFAULT now(), v public.d[])")
        .plainTable,
    ).toEqual({
      schema: "pg_temp",
      name: "s",
      isTemporary: true,
      columnTypes: [
        { schema: null, name: "serial" },
        { schema: null, name: "timestamptz" },
        { schema: "public", name: "d" },
      ],
    });
    expect(one("CREATE TABLE pg_temp.s (id int)").plainTable?.schema).toBe("pg_temp");
    expect(one("CREATE TABLE side.s (id int CHECK (id > 0), UNIQUE (id))").plainTable).toMatchObject({
      schema: "side",
      isTemporary: false,
    });
  });

  it.each([
    "CREATE TABLE kid () INHERITS (events)",
    "CREATE TABLE p PARTITION OF parts FOR VALUES FROM (1) TO (2)",
    "CREATE TABLE p (id int) PARTITION BY RANGE (id)",
    "CREATE TABLE t OF some_type",
    "CREATE TABLE IF NOT EXISTS s (id int)",
    "CREATE TABLE s (LIKE events INCLUDING ALL)",
    "CREATE TABLE s (id int REFERENCES events)",
    "CREATE TABLE s (id int, FOREIGN KEY (id) REFERENCES events ON DELETE CASCADE)",
    "CREATE TABLE s (r int4range, EXCLUDE USING gist (r WITH &&))",
    "CREATE TABLE s (id int) USING other_am",
    "CREATE TABLE s AS SELECT 1",
    "CREATE SCHEMA x CREATE TABLE s (id int)",
  ])("is not: %s", (sql) => {
    expect(one(sql).plainTable).toBeUndefined();
  });
});
