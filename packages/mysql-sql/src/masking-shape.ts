import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import { type AstNode, isNode, nameText, nodesOf } from "./ast-walk";
import { outputsFromLiterals } from "./constant-outputs";
import { readMySql } from "./parse";

/**
 * What result masking needs to know of one COM_QUERY or prepared statement, read once: its facts,
 * which outputs are made of literals alone, the names it gives derived tables and CTEs (a column
 * reports such a name as its origin table, which may also be a real table's name), and whether it
 * stores values where no column origin follows them (user variables, settings).
 */
export type MaskingShape = {
  statements: StatementFacts[];
  /** Per output of a single plain SELECT: made of literals alone; null when not lined up. */
  constants: boolean[] | null;
  /** Lower-cased names of derived tables and CTEs: an origin with such a name is not a stored table. */
  derivedNames: ReadonlySet<string>;
  /** `INTO @v`, `@v := …`, `SET …`: a value kept in the session, read back later with no origin. */
  storesValues: boolean;
  /**
   * `SHOW PROCESSLIST`, `SHOW BINLOG EVENTS`: the server answers with the text of statements,
   * other sessions' too, which may quote any value; no column origin says which.
   */
  readsStatementText: boolean;
  /** SHOW WARNINGS / ERRORS: the conditions earlier statements left, which may quote their values. */
  readsDiagnostics: boolean;
};

/** SHOW forms the grammar reads whose answer is statement text the server holds. */
const STATEMENT_TEXT_SHOWS = new Set(["processlist", "binlog", "relaylog"]);

/** The statement's masking shape, or null when Sluice cannot read it (then it was refused anyway). */
export function readMaskingShape(sql: string): MaskingShape | null {
  return readStatementForMasking(sql).shape;
}

/** What the decision and masking both need of a statement, from one parse (see readMySql). */
export type MaskingReading = { parsed: ParsedStatements; shape: MaskingShape | null };

export function readStatementForMasking(sql: string): MaskingReading {
  const { parsed, asts, isDiagnostics } = readMySql(sql);
  return { parsed, shape: parsed.ok ? shapeOf(parsed.statements, asts, isDiagnostics ?? false) : null };
}

function shapeOf(
  statements: StatementFacts[],
  asts: readonly AstNode[],
  readsDiagnostics: boolean,
): MaskingShape {
  const derivedNames = new Set<string>();
  let storesValues = false;
  let readsStatementText = false;
  for (const node of nodesOf(asts)) {
    if (node.type === "show" && typeof node.keyword === "string")
      readsStatementText ||= STATEMENT_TEXT_SHOWS.has(node.keyword.toLowerCase());
    if (Array.isArray(node.with)) {
      for (const cte of node.with) if (isNode(cte)) addName(derivedNames, nameText(cte.name));
    }
    if (isNode(node.expr) && "ast" in node.expr && "as" in node) addName(derivedNames, nameText(node.as));
    const isAssignment = node.type === "assign" || node.type === "set";
    if (isAssignment || (node.type === "into" && node.keyword === "var")) storesValues = true;
  }
  const [only] = asts;
  return {
    statements,
    constants: asts.length === 1 && only ? outputsFromLiterals(only) : null,
    derivedNames,
    storesValues,
    readsStatementText,
    readsDiagnostics,
  };
}

function addName(names: Set<string>, name: string | null): void {
  if (name !== null) names.add(name.toLowerCase());
}
