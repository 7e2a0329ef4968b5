import type { StatementFacts } from "./facts";
import { expression } from "./lineage-expression";
import { fromItem } from "./lineage-from";
import {
  asArray,
  asNode,
  type Column,
  type Item,
  type Level,
  type Node,
  stringValue,
  UNKNOWN,
  union,
} from "./lineage-namespace";
import { analyzeQuery, withCtes } from "./lineage-query";

/**
 * A table column a value is computed from. `column` null is the whole row: every column of the
 * relation, those added after the catalog was read included.
 */
export type ColumnSource = { schema: string; table: string; column: string | null };

/** What a value may be computed from. `isUnknown`: Sluice could not follow it, so it may be anything. */
export type Sources = { isUnknown: boolean; columns: readonly ColumnSource[] };

/**
 * A relation a name may stand for, with its non-dropped attributes in attnum order; `columns`
 * null when they are not listed (no catalog): any name may then be one of its columns.
 */
export type RelationColumns = { schema: string; table: string; columns: readonly string[] | null };

/**
 * Where a relation name leads. Every relation the server could pick is listed (more is safe);
 * null when the catalog does not know the name, or cannot say what it holds (a view).
 */
export type RelationCatalog = {
  relationsNamed: (schema: string | null, name: string) => readonly RelationColumns[] | null;
  /**
   * Whether the catalog holds a relation the name may stand for (a view included, or one of the
   * server's own); absent when there is no catalog to ask.
   */
  holds?: (schema: string | null, name: string) => boolean;
};

/** One column reference (or a subquery's value used in an expression), resolved. */
export type ColumnReference = {
  text: string;
  /** select, where, join, group, having, order, window, aggregate, set, returning, values, other. */
  clause: string;
  sources: Sources;
};

export type StatementLineage = {
  /** Per result column of a SELECT (set operations and VALUES included); null when not known. */
  outputs: readonly Sources[] | null;
  /** Every reference the statement makes, with the clause it is in. */
  references: readonly ColumnReference[];
  /** Columns a write assigns (UPDATE SET, INSERT's column list): written, not read. */
  targets: readonly ColumnSource[];
};

export type Ctes = ReadonlyMap<string, Column[] | null>;

export type FromResult = { items: Item[]; columns: Column[] | null; wholeRow: Sources };

export type Context = {
  catalog: RelationCatalog | null;
  references: ColumnReference[];
  targets: ColumnSource[];
};

const trees = new WeakMap<StatementFacts, unknown>();

/** Another grammar's resolver (MySQL's), kept with the facts it produced. */
export type LineageResolver = (catalog: RelationCatalog | null) => StatementLineage;
const resolvers = new WeakMap<StatementFacts, LineageResolver>();

const memo = new WeakMap<RelationCatalog, WeakMap<StatementFacts, StatementLineage>>();

/** Kept by extractFacts so lineage can be resolved later, against a catalog, without parsing again. */
export function rememberTree(facts: StatementFacts, statement: unknown): void {
  trees.set(facts, statement);
}

/**
 * For facts another grammar produced: how their lineage is resolved, so the masking decisions
 * (copies into tables, clean outputs, oracles) are the same for every front end.
 */
export function rememberLineageResolver(facts: StatementFacts, resolver: LineageResolver): void {
  resolvers.set(facts, resolver);
}

/**
 * Resolves every column reference of a statement to the table columns it reads, the way the
 * server's parse analysis does: alias column lists rename positionally, `c.f` is `f(c)` when `f`
 * is not a column of `c`, a bare name is a column of some FROM item or else a whole row, and
 * subqueries, CTEs, joins (USING, NATURAL, aliases), set operations and functions in FROM pass
 * lineage through. Whatever it cannot follow is unknown. Without a catalog (null) relations keep
 * their names but not their columns: any `alias.name` may then be a whole row.
 */
export function resolveLineage(facts: StatementFacts, catalog: RelationCatalog | null): StatementLineage {
  const cached = catalog ? memo.get(catalog)?.get(facts) : undefined;
  if (cached) return cached;
  const tree = trees.get(facts);
  const resolver = resolvers.get(facts);
  const lineage: StatementLineage = resolver
    ? resolver(catalog)
    : tree === undefined
      ? { outputs: null, references: [{ text: "*", clause: "other", sources: UNKNOWN }], targets: [] }
      : analyzeStatement(tree, catalog);
  if (catalog) {
    const byFacts = memo.get(catalog) ?? new WeakMap();
    byFacts.set(facts, lineage);
    memo.set(catalog, byFacts);
  }
  return lineage;
}

function analyzeStatement(tree: unknown, catalog: RelationCatalog | null): StatementLineage {
  const cx: Context = { catalog, references: [], targets: [] };
  const [type] = Object.keys(asNode(tree));
  const node = asNode(asNode(tree)[type ?? ""]);
  if (type === "SelectStmt") {
    const outputs = analyzeQuery(node, [], new Map(), cx);
    return {
      outputs: outputs?.map((column) => column.sources) ?? null,
      references: cx.references,
      targets: cx.targets,
    };
  }
  statement(type ?? "", node, [], new Map(), cx);
  return { outputs: null, references: cx.references, targets: cx.targets };
}

/** A statement anywhere (top level, EXPLAIN, PREPARE, a writable CTE, CREATE … AS). */
export function statement(type: string, node: Node, outer: Level[], outerCtes: Ctes, cx: Context): void {
  const ctes = withCtes(node["withClause"], outer, outerCtes, cx);
  switch (type) {
    case "SelectStmt":
      analyzeQuery(node, outer, outerCtes, cx);
      return;
    case "InsertStmt": {
      const target = fromItem({ RangeVar: node["relation"] }, outer, { items: [] }, ctes, cx);
      for (const col of asArray(node["cols"]))
        addTarget(target, stringValue(asNode(asNode(col)["ResTarget"])["name"]), cx);
      // Without a column list the values fill the table's columns in order: every column may be
      // written (`INSERT INTO employees VALUES (3, 'c', 5)` writes salary).
      if (asArray(node["cols"]).length === 0 && node["selectStmt"])
        cx.targets.push(...target.wholeRow.columns);
      if (node["selectStmt"]) analyzeQuery(asNode(asNode(node["selectStmt"])["SelectStmt"]), outer, ctes, cx);
      const excluded: Item = { ...target.items[0], refname: "excluded" } as Item;
      const level: Level = { items: [...target.items, excluded] };
      const conflict = asNode(
        asNode(node["onConflictClause"])["OnConflictClause"] ?? node["onConflictClause"],
      );
      assignments(conflict["targetList"], target, [...outer, level], ctes, cx);
      expression(conflict["whereClause"], "where", [...outer, level], ctes, cx);
      expression(conflict["infer"], "other", [...outer, level], ctes, cx);
      expression(node["returningList"] ?? node["returningClause"], "returning", [...outer, level], ctes, cx);
      return;
    }
    case "UpdateStmt":
    case "DeleteStmt": {
      const level: Level = { items: [] };
      const target = fromItem({ RangeVar: node["relation"] }, outer, level, ctes, cx);
      level.items.push(...target.items);
      for (const item of asArray(node[type === "UpdateStmt" ? "fromClause" : "usingClause"]))
        level.items.push(...fromItem(asNode(item), outer, level, ctes, cx).items);
      const scope = [...outer, level];
      assignments(node["targetList"], target, scope, ctes, cx);
      expression(node["whereClause"], "where", scope, ctes, cx);
      expression(node["returningList"] ?? node["returningClause"], "returning", scope, ctes, cx);
      return;
    }
    case "MergeStmt": {
      const level: Level = { items: [] };
      const target = fromItem({ RangeVar: node["relation"] }, outer, level, ctes, cx);
      level.items.push(...target.items);
      level.items.push(...fromItem(asNode(node["sourceRelation"]), outer, level, ctes, cx).items);
      const scope = [...outer, level];
      expression(node["joinCondition"], "join", scope, ctes, cx);
      for (const when of asArray(node["mergeWhenClauses"])) {
        const clause = asNode(asNode(when)["MergeWhenClause"]);
        expression(clause["condition"], "where", scope, ctes, cx);
        if (clause["commandType"] === "CMD_UPDATE")
          assignments(clause["targetList"], target, scope, ctes, cx);
        else {
          for (const col of asArray(clause["targetList"]))
            addTarget(target, stringValue(asNode(asNode(col)["ResTarget"])["name"]), cx);
          // INSERT VALUES without a column list fills every column in order (DO NOTHING has none).
          if (asArray(clause["targetList"]).length === 0 && clause["values"])
            cx.targets.push(...target.wholeRow.columns);
          expression(clause["values"], "values", scope, ctes, cx);
        }
      }
      expression(node["returningList"] ?? node["returningClause"], "returning", scope, ctes, cx);
      return;
    }
    case "CopyStmt":
      copy(node, outer, ctes, cx);
      return;
    case "IndexStmt":
    case "AlterTableStmt":
      // Their expressions are walked as before (a column there has no FROM: unknown), and the
      // columns they name by bare name are read too: CREATE UNIQUE INDEX ON employees (salary) or
      // ADD UNIQUE (salary) reads every salary, and a duplicate's DETAIL prints one.
      expression(node, "other", outer, ctes, cx);
      namedColumns(node, outer, ctes, cx);
      return;
    default:
      // Anything else (EXPLAIN, PREPARE, DECLARE, CREATE … AS, DDL expressions): its
      // queries are analysed where they stand; a stray column reference (an index expression, a
      // constraint) has no FROM to resolve against and stays unknown.
      expression(node, "other", outer, ctes, cx);
  }
}

/**
 * COPY of a table reads (TO) or writes (FROM) its listed columns, or every column when none is
 * listed: the same references a SELECT of them or an INSERT into them makes, so review rules,
 * COLUMN guardrails and the masking checks see `COPY employees TO STDOUT` read `salary`. COPY
 * (query) is the query's own lineage.
 */
function copy(node: Node, outer: Level[], ctes: Ctes, cx: Context): void {
  if (!node["relation"]) {
    expression(node["query"], "other", outer, ctes, cx);
    return;
  }
  const table = fromItem({ RangeVar: node["relation"] }, outer, { items: [] }, ctes, cx);
  const names = asArray(node["attlist"]).map((name) => stringValue(asNode(asNode(name)["String"])["sval"]));
  if (node["is_from"] === true) {
    if (names.length === 0) cx.targets.push(...table.wholeRow.columns);
    for (const name of names) addTarget(table, name, cx);
    expression(node["whereClause"], "where", [...outer, { items: table.items }], ctes, cx);
    return;
  }
  const sources = names.length === 0 ? table.wholeRow : union(names.map((name) => columnOf(table, name)));
  cx.references.push({ text: names.length === 0 ? "*" : names.join(", "), clause: "select", sources });
}

/**
 * The columns an index or a constraint names as strings — IndexElem names (keys, INCLUDE,
 * EXCLUDE elements) and Constraint keys, INCLUDE and foreign-key columns — read from the relation
 * the statement is on.
 */
function namedColumns(node: Node, outer: Level[], ctes: Ctes, cx: Context): void {
  if (!node["relation"]) return;
  const table = fromItem({ RangeVar: node["relation"] }, outer, { items: [] }, ctes, cx);
  const read = (name: string) =>
    cx.references.push({ text: name, clause: "other", sources: columnOf(table, name) });
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const object = value as Node;
    const elem = object["IndexElem"] ? asNode(object["IndexElem"]) : null;
    if (elem && typeof elem["name"] === "string") read(elem["name"]);
    const constraint = object["Constraint"] ? asNode(object["Constraint"]) : null;
    if (constraint)
      for (const list of [constraint["keys"], constraint["including"], constraint["fk_attrs"]])
        for (const key of asArray(list)) read(stringValue(asNode(asNode(key)["String"])["sval"]));
    for (const child of Object.values(object)) visit(child);
  };
  visit([node["indexParams"], node["indexIncludingParams"], node["cmds"]]);
}

/** A named column of a FROM result: its sources, or the whole row when the columns are not listed. */
function columnOf(table: FromResult, name: string): Sources {
  const found = table.columns
    ? table.columns.filter((column) => column.name === name || column.name === null)
    : null;
  return found && found.length > 0 ? union(found.map((column) => column.sources)) : table.wholeRow;
}

/** UPDATE SET / ON CONFLICT DO UPDATE: each target is written, each value read in clause "set". */
function assignments(list: unknown, target: FromResult, scope: Level[], ctes: Ctes, cx: Context): void {
  for (const entry of asArray(list)) {
    const res = asNode(asNode(entry)["ResTarget"]);
    addTarget(target, stringValue(res["name"]), cx);
    expression(res["val"], "set", scope, ctes, cx);
  }
}

function addTarget(target: FromResult, name: string, cx: Context): void {
  for (const source of columnOf(target, name).columns)
    cx.targets.push(source.column === null ? { ...source, column: name } : source);
}
