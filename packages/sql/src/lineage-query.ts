// Column lineage of queries: SELECT, set operations, VALUES and WITH (see column-lineage.ts).

import { type Context, type Ctes, type Sources, statement } from "./column-lineage";
import { expression, figureName } from "./lineage-expression";
import { fromItem, renamed } from "./lineage-from";
import {
  asArray,
  asNode,
  type Column,
  expandStar,
  fieldText,
  type Item,
  type Level,
  type Node,
  starSources,
  stringValue,
  UNKNOWN,
  union,
} from "./lineage-namespace";

/** A SELECT, set operation or VALUES list: its result columns, or null when their number is unknown. */
export function analyzeQuery(select: Node, outer: Level[], outerCtes: Ctes, cx: Context): Column[] | null {
  const ctes = withCtes(select["withClause"], outer, outerCtes, cx);
  if (select["op"] && select["op"] !== "SETOP_NONE") {
    const left = analyzeQuery(asNode(asNode(select["larg"])), outer, ctes, cx);
    const right = analyzeQuery(asNode(asNode(select["rarg"])), outer, ctes, cx);
    const outputs =
      left && right && left.length === right.length
        ? left.map((column, i) => ({
            name: column.name,
            sources: union([column.sources, (right[i] as Column).sources]),
          }))
        : null;
    const level: Level = { items: [resultItem(outputs)] };
    expression(select["sortClause"], "order", [...outer, level], ctes, cx);
    positionalReferences(select["sortClause"], "order", outputs, cx);
    expression([select["limitCount"], select["limitOffset"]], "other", outer, ctes, cx);
    return outputs;
  }
  if (select["valuesLists"]) {
    let outputs: Column[] | null = null;
    for (const row of asArray(select["valuesLists"])) {
      const values = asArray(asNode(asNode(row)["List"])["items"]).map((value) =>
        expression(value, "values", outer, ctes, cx),
      );
      if (outputs === null) outputs = values.map((sources, i) => ({ name: `column${i + 1}`, sources }));
      else if (outputs.length !== values.length) return null;
      else
        outputs = outputs.map((column, i) => ({
          name: column.name,
          sources: union([column.sources, values[i] as Sources]),
        }));
    }
    return outputs;
  }
  const level: Level = { items: [] };
  for (const item of asArray(select["fromClause"]))
    level.items.push(...fromItem(asNode(item), outer, level, ctes, cx).items);
  const scope = [...outer, level];
  let outputs: Column[] | null = [];
  for (const target of asArray(select["targetList"])) {
    const res = asNode(asNode(target)["ResTarget"]);
    const value = asNode(res["val"]);
    const ref = value["ColumnRef"] ? asNode(value["ColumnRef"]) : null;
    const fields = ref ? asArray(ref["fields"]) : [];
    if (ref && asNode(fields.at(-1))["A_Star"]) {
      const expanded = expandStar(fields, scope);
      const text = fieldText(fields);
      if (expanded === null) {
        cx.references.push({ text, clause: "select", sources: starSources(fields, scope) });
        outputs = null;
      } else {
        cx.references.push({
          text,
          clause: "select",
          sources: union(expanded.map((column) => column.sources)),
        });
        outputs?.push(...expanded);
      }
      continue;
    }
    const sources = expression(res["val"], "select", scope, ctes, cx);
    // `(x).*` expands to as many columns as x's type has, which the parse tree does not say.
    if (expandsComposite(value)) outputs = null;
    outputs?.push({ name: typeof res["name"] === "string" ? res["name"] : figureName(value), sources });
  }
  expression(select["whereClause"], "where", scope, ctes, cx);
  // GROUP BY, ORDER BY and DISTINCT ON may name a result column instead of an input one (or its
  // position): the server prefers one or the other by clause, so both are taken as read.
  const withOutputs = [...outer, { items: [...level.items, resultItem(outputs)] }];
  distinctReferences(select["distinctClause"], outputs, withOutputs, ctes, cx);
  expression(select["groupClause"], "group", withOutputs, ctes, cx);
  positionalReferences(select["groupClause"], "group", outputs, cx);
  expression(select["havingClause"], "having", scope, ctes, cx);
  expression(select["windowClause"], "window", scope, ctes, cx);
  expression(select["sortClause"], "order", withOutputs, ctes, cx);
  positionalReferences(select["sortClause"], "order", outputs, cx);
  expression([select["limitCount"], select["limitOffset"]], "other", scope, ctes, cx);
  return outputs;
}

/**
 * `SELECT DISTINCT` compares every result column, `DISTINCT ON (…)` the ones it names (by input or
 * result name, or position): both tell which rows share a value, as GROUP BY does.
 */
function distinctReferences(
  list: unknown,
  outputs: Column[] | null,
  withOutputs: Level[],
  ctes: Ctes,
  cx: Context,
): void {
  const entries = asArray(list);
  if (entries.length === 0) return;
  // Plain DISTINCT is a list of one empty node.
  if (entries.every((entry) => Object.keys(asNode(entry)).length === 0)) {
    for (const column of outputs ?? [{ name: "DISTINCT", sources: UNKNOWN }]) {
      cx.references.push({ text: column.name ?? "DISTINCT", clause: "distinct", sources: column.sources });
    }
    return;
  }
  expression(entries, "distinct", withOutputs, ctes, cx);
  positionalReferences(entries, "distinct", outputs, cx);
}

/**
 * `ORDER BY 2`, `GROUP BY 1`, `DISTINCT ON (2)`: the result column at that position is read there.
 * In GROUP BY a position counts inside ROLLUP, CUBE and GROUPING SETS too, and each member of a
 * parenthesized list `(1, 2)` is one (the server flattens them).
 */
function positionalReferences(list: unknown, clause: string, outputs: Column[] | null, cx: Context): void {
  for (const entry of asArray(list)) {
    const node = asNode(entry);
    if (node["GroupingSet"]) {
      positionalReferences(asNode(node["GroupingSet"])["content"], clause, outputs, cx);
      continue;
    }
    if (node["RowExpr"] && clause === "group") {
      positionalReferences(asNode(node["RowExpr"])["args"], clause, outputs, cx);
      continue;
    }
    const constant = asNode(asNode(node["SortBy"] ? asNode(node["SortBy"])["node"] : node)["A_Const"]);
    if (!constant["ival"]) continue;
    const position = Number(asNode(constant["ival"])["ival"] ?? 0);
    const sources = outputs?.[position - 1]?.sources ?? UNKNOWN;
    cx.references.push({ text: String(position), clause, sources });
  }
}

/** A select-list entry like `(x).*` or `(f(x)).*`, whose column count only the server knows. */
function expandsComposite(value: Node): boolean {
  const indirection = value["A_Indirection"] ? asNode(value["A_Indirection"]) : null;
  return indirection !== null && asArray(indirection["indirection"]).some((part) => asNode(part)["A_Star"]);
}

/** A query's result columns as one namespace item (what ORDER BY of a set operation sees). */
function resultItem(outputs: Column[] | null): Item {
  return {
    refname: null,
    isRelVisible: false,
    isColsVisible: true,
    columns: outputs,
    wholeRow: outputs ? union(outputs.map((column) => column.sources)) : UNKNOWN,
    isGuessed: false,
  };
}

/** Statement-level WITH: non-recursive CTEs see earlier ones; a recursive one is followed to a fixed point. */
export function withCtes(withClause: unknown, outer: Level[], outerCtes: Ctes, cx: Context): Ctes {
  const clause = asNode(asNode(withClause)["WithClause"] ?? withClause);
  const entries = asArray(clause["ctes"]).map((entry) => asNode(asNode(entry)["CommonTableExpr"]));
  if (entries.length === 0) return outerCtes;
  const ctes = new Map(outerCtes);
  const isRecursive = clause["recursive"] === true;
  if (isRecursive) for (const entry of entries) ctes.set(stringValue(entry["ctename"]), []);
  for (const entry of entries) {
    const name = stringValue(entry["ctename"]);
    const query = asNode(entry["ctequery"]);
    const [type] = Object.keys(query);
    if (type !== "SelectStmt") {
      // A writable CTE: its RETURNING list is not followed.
      statement(type ?? "", asNode(query[type ?? ""]), outer, ctes, cx);
      ctes.set(name, null);
      continue;
    }
    const aliases = asArray(entry["aliascolnames"]).map((alias) =>
      stringValue(asNode(asNode(alias)["String"])["sval"]),
    );
    let columns: Column[] | null = ctes.get(name) ?? null;
    // Each round feeds the recursive reference what the last round found, until nothing new appears.
    for (let round = 0; round < (isRecursive ? MAX_RECURSIVE_ROUNDS : 1); round++) {
      const found = renamed(analyzeQuery(asNode(query["SelectStmt"]), outer, ctes, cx), aliases);
      const isStable = isRecursive && sameSources(found, columns);
      columns = found;
      ctes.set(name, columns);
      if (isStable) break;
      if (isRecursive && round === MAX_RECURSIVE_ROUNDS - 1) ctes.set(name, null);
    }
  }
  return ctes;
}

/** Rounds of a recursive CTE's fixed point; a CTE that still grows after them is unknown. */
const MAX_RECURSIVE_ROUNDS = 6;

function sameSources(a: Column[] | null, b: Column[] | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.length === b.length &&
    a.every((column, i) => sourceKey(column.sources) === sourceKey((b[i] as Column).sources))
  );
}

function sourceKey(sources: Sources): string {
  if (sources.isUnknown) return "?";
  return [...new Set(sources.columns.map((s) => `${s.schema}\u0000${s.table}\u0000${s.column ?? "\u0001"}`))]
    .sort()
    .join("\u0002");
}
