import nodeSqlParser from "node-sql-parser/build/mariadb.js";
import { type AstNode, isNode, nodesOf } from "./ast-walk";
import { readAsServer } from "./server-lexing";

type NodeSqlParser = { astify: (sql: string, options: { database: string }) => unknown };
const { Parser } = nodeSqlParser as unknown as { Parser: new () => NodeSqlParser };
const parser = new Parser();

/**
 * For a single plain SELECT, which output columns read no column at all (literals, and built-ins
 * of literals): those are provably clean, whatever tables the statement reads. Null when the output
 * list cannot be lined up with the result's columns (`*`, several statements, set operations).
 * Every other computed column stays masked when a masked table is read (fail closed).
 */
export function constantOutputs(sql: string): boolean[] | null {
  const reading = readAsServer(sql);
  if (!reading.ok) return null;
  let tree: unknown;
  try {
    tree = parser.astify(reading.text, { database: "MariaDB" });
  } catch {
    return null;
  }
  const ast = Array.isArray(tree) ? (tree.length === 1 ? tree[0] : null) : tree;
  return isNode(ast) ? outputsFromLiterals(ast) : null;
}

/** constantOutputs for a statement already parsed. */
export function outputsFromLiterals(ast: AstNode): boolean[] | null {
  if (ast.type !== "select" || ast._next || !Array.isArray(ast.columns)) return null;
  const outputs: boolean[] = [];
  for (const column of ast.columns) {
    if (!isNode(column)) return null;
    const expr = column.expr;
    if (isNode(expr) && expr.type === "column_ref" && expr.column === "*") return null;
    outputs.push(readsNothing(expr));
  }
  return outputs;
}

/** No column reference, no subquery, no variable: a value made from the statement's text alone. */
function readsNothing(expr: unknown): boolean {
  for (const node of nodesOf(expr)) {
    if (node.type === "column_ref" || node.type === "var" || "ast" in node || node.type === "select")
      return false;
  }
  return true;
}
