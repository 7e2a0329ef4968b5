import { upstreamCode } from "@sluice/policy/upstream-code";
import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { SessionContext } from "../src/engine";
import { TransactionTables } from "../src/transaction-tables";

beforeAll(() => loadParser());

const CODE = upstreamCode({
  writeRunsCode: [{ schema: "public", table: "audited" }],
  userFunctions: [],
  userOperators: [],
  typeCode: [{ typeSchema: "public", typeName: "sneaky", functionSchema: "public", functionName: "bump" }],
  hasEventTriggers: false,
});
const SESSION: SessionContext = {
  searchPath: ["agent", "public"],
  implicitSchemas: new Set(["agent"]),
  prepared: new Map(),
  upstreamCode: CODE,
};

function statements(sql: string): StatementFacts[] {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements;
}

/** Whether the message's last statement may write its first written table, after `before` messages. */
function trustsLast(messages: string[], session: SessionContext = SESSION): boolean {
  const tables = new TransactionTables();
  let last: StatementFacts[] = [];
  let view = tables.current;
  for (const sql of messages) {
    last = statements(sql);
    view = tables.absorb(last, session);
  }
  const facts = last.at(-1) as StatementFacts;
  return view.trusts(facts, facts.tablesWritten[0] as StatementFacts["tablesWritten"][number]);
}

describe("the plain tables a transaction made", () => {
  it("are trusted by the statements after the CREATE, in the same message or later ones", () => {
    expect(trustsLast(["CREATE TEMP TABLE s (id int DEFAULT 1); INSERT INTO s VALUES (1)"])).toBe(true);
    expect(trustsLast(["CREATE TEMP TABLE s (id int)", "SELECT 1", "INSERT INTO pg_temp.s VALUES (1)"])).toBe(
      true,
    );
    expect(trustsLast(["CREATE TABLE side.s (id int)", "UPDATE side.s SET id = 2"])).toBe(true);
  });

  it("are not trusted by a statement before the CREATE, nor under another schema", () => {
    expect(trustsLast(["INSERT INTO s VALUES (1); CREATE TEMP TABLE s (id int)"])).toBe(false);
    expect(trustsLast(["CREATE TABLE s (id int)", "INSERT INTO public.s VALUES (1)"])).toBe(false);
    expect(trustsLast(["CREATE TABLE side.s (id int)", "INSERT INTO other.s VALUES (1)"])).toBe(false);
  });

  it.each([
    ["a second CREATE of another definition", ["CREATE TEMP TABLE s (id int)", "CREATE TABLE s (id int)"]],
    ["a default calling a built-in that writes", ["CREATE TEMP TABLE s (id int DEFAULT nextval('q'))"]],
    ["a column of a type whose input runs user code", ["CREATE TEMP TABLE s (v sneaky)"]],
    ["a table named pg_…", ["CREATE TEMP TABLE pg_s (id int)"]],
    ["DDL after it", ["CREATE TEMP TABLE s (id int)", "CREATE INDEX ON s (id)"]],
    ["a write whose triggers run", ["CREATE TEMP TABLE s (id int)", "INSERT INTO audited VALUES (1)"]],
    ["ROLLBACK TO", ["CREATE TEMP TABLE s (id int)", "ROLLBACK TO SAVEPOINT a"]],
    ["COMMIT in the same message", ["CREATE TEMP TABLE s (id int); COMMIT"]],
    ["EXECUTE", ["CREATE TEMP TABLE s (id int)", "EXECUTE p"]],
  ])("are not trusted after %s", (_, before) => {
    const last = before.at(-1)?.includes("pg_s") ? "INSERT INTO pg_s VALUES (1)" : "INSERT INTO s VALUES (1)";
    expect(trustsLast([...before, last])).toBe(false);
  });

  it("are not trusted without the code catalog", () => {
    const { upstreamCode: _, ...without } = SESSION;
    expect(trustsLast(["CREATE TEMP TABLE s (id int)", "INSERT INTO s VALUES (1)"], without)).toBe(false);
  });

  it("are forgotten, with what ended trust, when the transaction ends", () => {
    const tables = new TransactionTables();
    tables.absorb(statements("CREATE TEMP VIEW v AS SELECT 1 AS id"), SESSION);
    const [insert] = statements("INSERT INTO v VALUES (1)");
    expect(tables.current.isMadeHere({ schema: null, name: "v" })).toBe(true);
    tables.transactionEnded();
    expect(tables.current.isMadeHere({ schema: null, name: "v" })).toBe(false);
    const after = tables.absorb(
      [...statements("CREATE TEMP TABLE s (id int)"), insert as StatementFacts],
      SESSION,
    );
    expect(after.trusts(insert as StatementFacts, { schema: null, name: "v" })).toBe(false);
    const [write] = statements("INSERT INTO s VALUES (1)");
    const next = tables.absorb([write as StatementFacts], SESSION);
    expect(next.trusts(write as StatementFacts, { schema: null, name: "s" })).toBe(true);
  });

  it("are forgotten when created, and nothing is cleared per statement when none were", () => {
    const tables = new TransactionTables();
    tables.absorb(statements("CREATE TEMP TABLE s (id int)"), SESSION);
    tables.transactionEnded();
    const [write] = statements("INSERT INTO s VALUES (1)");
    expect(
      tables
        .absorb([write as StatementFacts], SESSION)
        .trusts(write as StatementFacts, { schema: null, name: "s" }),
    ).toBe(false);
    // Every statement with the upstream idle ends the transaction; V8 reallocates an empty Map or Set on clear().
    const mapClears = vi.spyOn(Map.prototype, "clear");
    const setClears = vi.spyOn(Set.prototype, "clear");
    try {
      tables.transactionEnded();
      tables.transactionEnded();
      expect(mapClears).not.toHaveBeenCalled();
      expect(setClears).not.toHaveBeenCalled();
    } finally {
      mapClears.mockRestore();
      setClears.mockRestore();
    }
  });

  it("mark the names a relation made here other than a plain table may stand for", () => {
    const tables = new TransactionTables();
    const view = tables.absorb(
      statements("CREATE TEMP VIEW notes AS SELECT 1 AS id; ALTER TABLE kept INHERIT parent"),
      SESSION,
    );
    for (const name of ["notes", "kept", "parent"])
      expect(view.isMadeHere({ schema: null, name })).toBe(true);
    expect(view.isMadeHere({ schema: null, name: "other" })).toBe(false);
    const renamed = tables.absorb(statements("ALTER VIEW notes RENAME TO elsewhere"), SESSION);
    expect(renamed.isMadeHere({ schema: null, name: "other" })).toBe(true);
  });
});
