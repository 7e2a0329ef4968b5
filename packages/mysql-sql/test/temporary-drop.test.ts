import { describe, expect, it } from "vitest";
import { parseMySql } from "../src/parse";
import { withTemporaryDropAsDrop } from "../src/temporary-drop";

const factsOf = (sql: string) => {
  const parsed = parseMySql(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements.map((facts) => ({
    kind: facts.kind,
    kinds: facts.kinds,
    tablesWritten: facts.tablesWritten,
    tablesRead: facts.tablesRead,
  }));
};

describe("DROP TEMPORARY TABLE", () => {
  it("is read as the DROP TABLE of the same names, which every rule on DROP TABLE meets", () => {
    const cases: [string, string][] = [
      ["DROP TEMPORARY TABLE scratch", "DROP TABLE scratch"],
      ["drop temporary table if exists a, `b c`, app.d", "drop table if exists a, `b c`, app.d"],
      ["  DROP\n TEMPORARY\tTABLE orders", "  DROP\n TABLE orders"],
    ];
    for (const [temporary, plain] of cases) expect(factsOf(temporary), temporary).toEqual(factsOf(plain));
    expect(factsOf("DROP TEMPORARY TABLE orders")[0]?.tablesWritten).toEqual([
      { schema: null, name: "orders" },
    ]);
  });

  it("keeps the server's positions and touches nothing but a leading DROP TEMPORARY TABLE", () => {
    const sql = "DROP TEMPORARY TABLE t";
    expect(withTemporaryDropAsDrop(sql)).toHaveLength(sql.length);
    for (const other of [
      "SELECT 'DROP TEMPORARY TABLE t'",
      "CREATE TEMPORARY TABLE t (id int)",
      "DROP TEMPORARY VIEW v",
      "DROP TEMPORARYTABLE t",
    ])
      expect(withTemporaryDropAsDrop(other)).toBe(other);
  });
});
