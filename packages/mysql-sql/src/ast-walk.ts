import type { RoutineRef, TableRef } from "@sluice/sql/facts";

/** One node of node-sql-parser's AST, read defensively: its shape is the library's, not ours. */
export type AstNode = Record<string, unknown>;

export function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every object in the tree, depth first (arrays flattened). */
export function* nodesOf(value: unknown): Generator<AstNode> {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (isNode(current)) {
      yield current;
      for (const child of Object.values(current)) if (typeof child === "object") stack.push(child);
    }
  }
}

/** A name part: node-sql-parser gives plain strings or `{type, value}` wrappers. */
export function nameText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (isNode(value) && typeof value.value === "string") return value.value;
  return null;
}

/**
 * Every relation a node names (`{db, table}` outside column references), wherever it sits in the
 * tree: FROM items, join targets, DML targets, DDL objects. Over-reporting (a CTE's name) is the
 * safe side: a table rule then also sees it.
 */
export function tablesOf(ast: unknown): TableRef[] {
  const found: TableRef[] = [];
  for (const node of nodesOf(ast)) {
    if (node.type === "column_ref" || !("table" in node) || !("db" in node)) continue;
    const name = nameText(node.table);
    if (name === null) continue;
    const db = nameText(node.db);
    const alias = nameText(node.as);
    found.push({ schema: db, name, ...(alias ? { alias } : {}) });
  }
  return found;
}

/**
 * Every function call as the server looks it up: MySQL folds built-in names case-insensitively, so
 * names are lower-cased; a `db.f()` call keeps its database.
 */
/**
 * `NOT (x)`, which the grammar reads as a call of a function named NOT: NOT is a reserved word, so
 * the server runs the operator there and calls nothing. Backquoted (`` `not`(x) ``) or qualified
 * with a database, the name is a stored function's.
 */
export function isNotOperatorCall(node: AstNode): boolean {
  if (node.type !== "function" || !isNode(node.name) || node.name.schema) return false;
  const parts = node.name.name;
  if (!Array.isArray(parts) || parts.length !== 1) return false;
  const [part] = parts;
  return isNode(part) && part.type === "default" && String(part.value).toUpperCase() === "NOT";
}

export function callsOf(ast: unknown): RoutineRef[] {
  const calls: RoutineRef[] = [];
  for (const node of nodesOf(ast)) {
    if (isNotOperatorCall(node)) continue;
    if (node.type === "function" && isNode(node.name)) {
      const parts = Array.isArray(node.name.name) ? node.name.name.map(nameText) : [];
      if (parts.length === 0 || parts.some((part) => part === null)) {
        calls.push({ schema: null, name: "(unreadable function name)" });
        continue;
      }
      const schema = nameText(node.name.schema);
      calls.push({ schema: schema?.toLowerCase() ?? null, name: parts.join(".").toLowerCase() });
    } else if (node.type === "aggr_func" || node.type === "window_func") {
      const name = nameText(node.name);
      calls.push({ schema: null, name: (name ?? "(unreadable aggregate)").toLowerCase() });
    }
  }
  return calls;
}

/** Column references as written (`t.c` when qualified). */
export function columnsOf(ast: unknown): string[] {
  const columns = new Set<string>();
  for (const node of nodesOf(ast)) {
    if (node.type !== "column_ref") continue;
    const column = nameText(node.column) ?? (isNode(node.column) ? nameText(node.column.expr) : null);
    if (column === null) continue;
    const table = nameText(node.table);
    columns.add(table ? `${table}.${column}` : column);
  }
  return [...columns];
}
