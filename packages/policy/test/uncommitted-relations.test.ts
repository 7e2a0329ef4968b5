import { codeChangeOf } from "@sluice/policy/code-freshness";
import { ANY_RELATION, relationsChangedBy } from "@sluice/policy/uncommitted-relations";
import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

function changedBy(sql: string): string[] {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(`does not parse: ${sql}`);
  const [facts] = parsed.statements as [StatementFacts];
  return relationsChangedBy(facts, codeChangeOf(facts));
}

describe("the relations a statement may change out of the catalog's sight", () => {
  it("names none for statements that change no relation", () => {
    expect(changedBy("INSERT INTO orders VALUES (1)")).toEqual([]);
    expect(changedBy("SELECT * FROM orders")).toEqual([]);
    expect(changedBy("BEGIN")).toEqual([]);
  });

  it("names what a DDL creates, alters or reads", () => {
    expect(changedBy("CREATE TEMP VIEW scratch AS SELECT id FROM events")).toEqual(["scratch"]);
    expect(changedBy("DROP TABLE mine")).toEqual(["mine"]);
    expect(changedBy("ALTER TABLE mine INHERIT events")).toEqual(["mine", "events"]);
    expect(changedBy("CREATE TRIGGER t BEFORE INSERT ON mine FOR EACH ROW EXECUTE FUNCTION f()")).toEqual([
      "mine",
    ]);
  });

  it("leaves the sources of a copy as they were", () => {
    expect(changedBy("CREATE TEMP TABLE backup AS SELECT * FROM orders")).toEqual(["backup"]);
    expect(changedBy("SELECT * INTO backup FROM orders")).toEqual(["backup"]);
  });

  it("counts every name for renames, moves, code and DDL naming no relation", () => {
    for (const sql of [
      "ALTER TABLE mine RENAME TO other",
      "ALTER TABLE mine SET SCHEMA elsewhere",
      "ALTER SCHEMA s RENAME TO t",
      "DROP SCHEMA s CASCADE",
      "DO $$ BEGIN END $$",
      "CREATE EXTENSION hstore",
    ])
      expect(changedBy(sql), sql).toEqual([ANY_RELATION]);
  });
});
