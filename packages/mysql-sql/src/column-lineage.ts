import { callArgumentClause } from "@sluice/sql/aggregates";
import type {
  ColumnReference,
  ColumnSource,
  RelationCatalog,
  Sources,
  StatementLineage,
} from "@sluice/sql/column-lineage";
import { type AstNode, isNode, nameText } from "./ast-walk";
import {
  type Column,
  expandStar,
  type Item,
  type Level,
  NOTHING,
  queryItem,
  relationItem,
  resolveColumn,
  UNKNOWN,
  union,
  unknownItem,
} from "./lineage-scope";
import { callKind } from "./mysql-aggregates";

/** CTEs in scope by lower-cased name: their outputs, or null while their own body is read. */
type Ctes = ReadonlyMap<string, Column[] | null>;

type Context = {
  catalog: RelationCatalog | null;
  references: ColumnReference[];
  targets: ColumnSource[];
};

/** Select-list aliases, which GROUP BY, HAVING and ORDER BY may name instead of a column. */
type Aliases = ReadonlyMap<string, Sources>;

/**
 * One MySQL statement (node-sql-parser's MariaDB tree) → the same lineage the PostgreSQL path
 * produces: every column reference resolved to the table columns the server reads, by clause; a
 * SELECT's outputs; a write's assigned columns. Derived tables, CTEs (a recursive one reads
 * itself: unknown), subqueries and UNION pass lineage through; whatever is not followed is unknown.
 */
export function mysqlLineage(ast: AstNode, catalog: RelationCatalog | null): StatementLineage {
  const cx: Context = { catalog, references: [], targets: [] };
  const type = ast.type;
  if (type === "select") {
    const outputs = query(ast, [], new Map(), cx);
    return {
      outputs: outputs?.map((column) => column.sources) ?? null,
      references: cx.references,
      targets: cx.targets,
    };
  }
  const ctes = withCtes(ast.with, [], new Map(), cx);
  if (type === "update" || type === "delete") {
    const level: Level = { items: [] };
    fromList(type === "update" ? ast.table : ast.from, [], level, ctes, cx);
    const scope = [level];
    for (const assignment of Array.isArray(ast.set) ? ast.set : []) {
      if (!isNode(assignment)) continue;
      target(nameText(assignment.table), nameText(assignment.column), scope, cx);
      expression(assignment.value, "set", scope, ctes, cx);
    }
    expression(ast.where, "where", scope, ctes, cx);
    expression(ast.orderby, "order", scope, ctes, cx);
  } else if (type === "insert" || type === "replace") {
    insert(ast, ctes, cx);
  } else {
    // Anything else (SET, CREATE … AS, DDL): its queries are read where they stand; a stray column
    // reference has no FROM to resolve against and stays unknown.
    expression(ast, "other", [], ctes, cx);
  }
  return { outputs: null, references: cx.references, targets: cx.targets };
}

function insert(ast: AstNode, ctes: Ctes, cx: Context): void {
  const level: Level = { items: [] };
  fromList(ast.table, [], level, ctes, cx);
  const scope = [level];
  const refname = level.items[0]?.refname ?? null;
  for (const column of Array.isArray(ast.columns) ? ast.columns : [])
    target(refname, nameText(column), scope, cx);
  const values = ast.values;
  // INSERT/REPLACE without a column list (nor SET) fills the table's columns in order: every column
  // may be written (`INSERT INTO employees VALUES (3, 'c', 'e', 's', 5)` writes salary).
  const hasColumns = Array.isArray(ast.columns) && ast.columns.length > 0;
  const hasSet = Array.isArray(ast.set) && ast.set.length > 0;
  if (!hasColumns && !hasSet && values) cx.targets.push(...(level.items[0]?.wholeRow ?? UNKNOWN).columns);
  if (isNode(values) && values.type === "select") query(values, [], ctes, cx);
  else expression(values, "values", [], ctes, cx);
  for (const assignment of Array.isArray(ast.set) ? ast.set : []) {
    if (!isNode(assignment)) continue;
    target(refname, nameText(assignment.column), scope, cx);
    expression(assignment.value, "set", scope, ctes, cx);
  }
  // ON DUPLICATE KEY UPDATE reads the target's row (and VALUES(c), the row being inserted).
  const duplicate = isNode(ast.on_duplicate_update) ? ast.on_duplicate_update.set : null;
  for (const assignment of Array.isArray(duplicate) ? duplicate : []) {
    if (!isNode(assignment)) continue;
    target(refname, nameText(assignment.column), scope, cx);
    expression(assignment.value, "set", scope, ctes, cx);
  }
}

function target(table: string | null, column: string | null, scope: Level[], cx: Context): void {
  if (column === null) return;
  const sources = resolveColumn(table, column, scope);
  cx.targets.push(...sources.columns);
}

/** A query (SELECT, UNION chain) → its output columns, or null when they cannot be lined up. */
function query(ast: AstNode, outer: Level[], outerCtes: Ctes, cx: Context): Column[] | null {
  if (ast.type !== "select") {
    expression(ast, "other", outer, outerCtes, cx);
    return null;
  }
  const ctes = withCtes(ast.with, outer, outerCtes, cx);
  const level: Level = { items: [] };
  fromList(ast.from, outer, level, ctes, cx);
  const scope = [...outer, level];
  let outputs: Column[] | null = [];
  for (const entry of Array.isArray(ast.columns) ? ast.columns : []) {
    const expr = isNode(entry) ? entry.expr : null;
    if (isNode(expr) && expr.type === "column_ref" && expr.column === "*") {
      const star = expandStar(nameText(expr.table), scope);
      cx.references.push({ text: "*", clause: "select", sources: star.sources });
      outputs = outputs && star.columns ? [...outputs, ...star.columns] : null;
      continue;
    }
    const sources = expression(expr, "select", scope, ctes, cx);
    const name =
      (isNode(entry) ? nameText(entry.as) : null) ?? (isNode(expr) ? nameText(expr.column) : null) ?? "";
    outputs?.push({ name: name.toLowerCase(), sources });
  }
  if (!Array.isArray(ast.columns)) outputs = null;
  const aliases: Aliases = new Map((outputs ?? []).map((column) => [column.name, column.sources]));
  expression(ast.where, "where", scope, ctes, cx);
  expression(ast.groupby, "group", scope, ctes, cx, aliases);
  expression(ast.having, "having", scope, ctes, cx, aliases);
  expression(ast.orderby, "order", scope, ctes, cx, aliases);
  ordinals(ast.groupby, "group", outputs, cx);
  ordinals(ast.orderby, "order", outputs, cx);
  expression(ast.window, "window", scope, ctes, cx);
  if (!isNode(ast._next)) return outputs;
  const next = query(ast._next, outer, outerCtes, cx);
  if (outputs === null || next === null || next.length !== outputs.length) return null;
  return outputs.map((column, index) => ({
    name: column.name,
    sources: union([column.sources, (next[index] as Column).sources]),
  }));
}

/** `GROUP BY 2`, `ORDER BY 2`: the second output, read where the clause uses it (an oracle in strict mode). */
function ordinals(clause: unknown, name: string, outputs: Column[] | null, cx: Context): void {
  const entries = isNode(clause) && Array.isArray(clause.columns) ? clause.columns : clause;
  for (const entry of Array.isArray(entries) ? entries : []) {
    const expr = isNode(entry) && isNode(entry.expr) ? entry.expr : entry;
    if (!isNode(expr) || expr.type !== "number" || typeof expr.value !== "number") continue;
    const output = outputs?.[expr.value - 1];
    record(`${expr.value}`, name, output ? output.sources : UNKNOWN, cx);
  }
}

/** WITH: each CTE's outputs (renamed by its column list); a CTE reading its own name reads unknown. */
function withCtes(list: unknown, outer: Level[], outerCtes: Ctes, cx: Context): Ctes {
  if (!Array.isArray(list) || list.length === 0) return outerCtes;
  const ctes = new Map(outerCtes);
  for (const cte of list) {
    if (!isNode(cte)) continue;
    const name = nameText(cte.name)?.toLowerCase();
    if (!name) continue;
    ctes.set(name, null);
    const statement = isNode(cte.stmt) && isNode(cte.stmt.ast) ? cte.stmt.ast : cte.stmt;
    const outputs = isNode(statement) ? query(statement, outer, ctes, cx) : null;
    const renamed = Array.isArray(cte.columns)
      ? cte.columns.map((column) => (isNode(column) ? nameText(column.column) : null) ?? nameText(column))
      : null;
    if (outputs && renamed && renamed.length === outputs.length && renamed.every((n) => n !== null)) {
      ctes.set(
        name,
        outputs.map((column, index) => ({
          name: (renamed[index] as string).toLowerCase(),
          sources: column.sources,
        })),
      );
    } else {
      ctes.set(name, renamed ? null : outputs);
    }
  }
  return ctes;
}

/** FROM items (joins included) into `level`; each ON condition sees the items before it. */
function fromList(list: unknown, outer: Level[], level: Level, ctes: Ctes, cx: Context): void {
  for (const from of Array.isArray(list) ? list : []) {
    if (!isNode(from)) continue;
    level.items.push(fromItem(from, outer, ctes, cx));
    expression(from.on, "join", [...outer, level], ctes, cx);
  }
}

function fromItem(from: AstNode, outer: Level[], ctes: Ctes, cx: Context): Item {
  const alias = nameText(from.as);
  if (isNode(from.expr) && isNode(from.expr.ast)) {
    return queryItem(alias ?? "", query(from.expr.ast, outer, ctes, cx));
  }
  const table = nameText(from.table);
  if (table === null || isNode(from.expr)) return unknownItem(alias ?? "");
  const db = nameText(from.db);
  if (db === null && ctes.has(table.toLowerCase())) {
    return queryItem(alias ?? table, ctes.get(table.toLowerCase()) ?? null);
  }
  return relationItem(cx.catalog, db, table, alias);
}

/**
 * What an expression reads, each column reference and subquery recorded with its clause. User
 * and system variables are unknown: a session may have kept anything in them.
 */
function expression(
  node: unknown,
  clause: string,
  scope: Level[],
  ctes: Ctes,
  cx: Context,
  aliases?: Aliases,
): Sources {
  if (Array.isArray(node))
    return union(node.map((item) => expression(item, clause, scope, ctes, cx, aliases)));
  if (!isNode(node)) return NOTHING;
  if (node.type === "column_ref") {
    const column = nameText(node.column) ?? (isNode(node.column) ? nameText(node.column.expr) : null);
    const table = nameText(node.table);
    if (column === null) return record("(column)", clause, UNKNOWN, cx);
    const resolved = resolveColumn(table, column, scope);
    const alias = table === null ? aliases?.get(column.toLowerCase()) : undefined;
    const sources = alias ? (resolved.isUnknown ? alias : union([resolved, alias])) : resolved;
    return record(table ? `${table}.${column}` : column, clause, sources, cx);
  }
  if (isNode(node.ast) || node.type === "select") {
    const subquery = (isNode(node.ast) ? node.ast : node) as AstNode;
    const outputs = query(subquery, scope, ctes, cx);
    const sources = outputs ? union(outputs.map((column) => column.sources)) : UNKNOWN;
    return record("(subquery)", clause, sources, cx);
  }
  if (node.type === "var") return record("(variable)", clause, UNKNOWN, cx);
  const call = callKind(node);
  if (call) {
    // An aggregate's or a window call's arguments are in a clause of their own, as on Postgres.
    const argClause = callArgumentClause(clause, call);
    return union(
      Object.entries(node)
        .filter(([key, value]) => key !== "loc" && typeof value === "object" && value !== null)
        .map(([key, value]) =>
          expression(value, key === "over" ? "window" : argClause, scope, ctes, cx, aliases),
        ),
    );
  }
  return union(
    Object.entries(node)
      .filter(([key, value]) => key !== "loc" && typeof value === "object" && value !== null)
      .map(([, value]) => expression(value, clause, scope, ctes, cx, aliases)),
  );
}

function record(text: string, clause: string, sources: Sources, cx: Context): Sources {
  cx.references.push({ text, clause, sources });
  return sources;
}
