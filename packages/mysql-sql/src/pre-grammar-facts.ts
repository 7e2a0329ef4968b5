import type { StatementFacts } from "@sluice/sql/facts";

/**
 * The facts of a statement recognized whole before the grammar (SHOW WARNINGS, SET NAMES utf8mb4,
 * SHOW TABLES, KILL): it reads no table, calls no function and changes no setting, only its kind differs.
 */
export function preGrammarFacts(kind: "SHOW" | "SET" | "KILL"): StatementFacts {
  return {
    kind,
    kinds: [kind],
    tablesRead: [],
    tablesWritten: [],
    functions: [],
    functionCalls: [],
    operators: [],
    unscopedWrites: [],
    settings: [],
    columns: [],
    columnsByClause: { select: [], where: [], other: [] },
    opaque: [],
    requestsReadWrite: false,
    dialect: "mysql",
  };
}
