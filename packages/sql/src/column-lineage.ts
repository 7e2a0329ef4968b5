import { AGGREGATE_NAMES } from "./aggregates";
import type { StatementFacts } from "./facts";
import {
  asArray,
  asNode,
  type Column,
  columnRef,
  expandStar,
  fieldText,
  type Item,
  type Level,
  NOTHING,
  type Node,
  starSources,
  stringValue,
  UNKNOWN,
  union,
} from "./lineage-namespace";

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

type Ctes = ReadonlyMap<string, Column[] | null>;
type FromResult = { items: Item[]; columns: Column[] | null; wholeRow: Sources };

type Context = {
  catalog: RelationCatalog | null;
  references: ColumnReference[];
  targets: ColumnSource[];
};

const trees = new WeakMap<StatementFacts, unknown>();
const memo = new WeakMap<RelationCatalog, WeakMap<StatementFacts, StatementLineage>>();

/** Kept by extractFacts so lineage can be resolved later, against a catalog, without parsing again. */
export function rememberTree(facts: StatementFacts, statement: unknown): void {
  trees.set(facts, statement);
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
  const lineage: StatementLineage =
    tree === undefined
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
function statement(type: string, node: Node, outer: Level[], outerCtes: Ctes, cx: Context): void {
  const ctes = withCtes(node["withClause"], outer, outerCtes, cx);
  switch (type) {
    case "SelectStmt":
      analyzeQuery(node, outer, outerCtes, cx);
      return;
    case "InsertStmt": {
      const target = fromItem({ RangeVar: node["relation"] }, outer, { items: [] }, ctes, cx);
      for (const col of asArray(node["cols"]))
        addTarget(target, stringValue(asNode(asNode(col)["ResTarget"])["name"]), cx);
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
          expression(clause["values"], "values", scope, ctes, cx);
        }
      }
      expression(node["returningList"] ?? node["returningClause"], "returning", scope, ctes, cx);
      return;
    }
    default:
      // Anything else (EXPLAIN, PREPARE, DECLARE, COPY (query), CREATE … AS, DDL expressions): its
      // queries are analysed where they stand; a stray column reference (an index expression, a
      // constraint) has no FROM to resolve against and stays unknown.
      expression(node, "other", outer, ctes, cx);
  }
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
  const found = target.columns
    ? target.columns.filter((column) => column.name === name || column.name === null)
    : null;
  const sources = found && found.length > 0 ? union(found.map((column) => column.sources)) : target.wholeRow;
  for (const source of sources.columns)
    cx.targets.push(source.column === null ? { ...source, column: name } : source);
}

/** A SELECT, set operation or VALUES list: its result columns, or null when their number is unknown. */
function analyzeQuery(select: Node, outer: Level[], outerCtes: Ctes, cx: Context): Column[] | null {
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
  expression(select["distinctClause"], "select", scope, ctes, cx);
  expression(select["whereClause"], "where", scope, ctes, cx);
  // GROUP BY and ORDER BY may name a result column instead of an input one (or its position):
  // the server prefers one or the other by clause, so both are taken as read.
  const withOutputs = [...outer, { items: [...level.items, resultItem(outputs)] }];
  expression(select["groupClause"], "group", withOutputs, ctes, cx);
  positionalReferences(select["groupClause"], "group", outputs, cx);
  expression(select["havingClause"], "having", scope, ctes, cx);
  expression(select["windowClause"], "window", scope, ctes, cx);
  expression(select["sortClause"], "order", withOutputs, ctes, cx);
  positionalReferences(select["sortClause"], "order", outputs, cx);
  expression([select["limitCount"], select["limitOffset"]], "other", scope, ctes, cx);
  return outputs;
}

/** `ORDER BY 2`, `GROUP BY 1`: the result column at that position is read there. */
function positionalReferences(list: unknown, clause: string, outputs: Column[] | null, cx: Context): void {
  for (const entry of asArray(list)) {
    const node = asNode(entry);
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
function withCtes(withClause: unknown, outer: Level[], outerCtes: Ctes, cx: Context): Ctes {
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

/** One FROM item: the namespace items it adds and the columns it produces (for an enclosing join). */
function fromItem(node: Node, outer: Level[], current: Level, ctes: Ctes, cx: Context): FromResult {
  const [type] = Object.keys(node);
  const inner = asNode(node[type ?? ""]);
  switch (type) {
    case "RangeVar":
      return relationItem(inner, ctes, cx);
    case "RangeSubselect": {
      // Only LATERAL subqueries see the FROM items before them (parse_clause.c).
      const scope = inner["lateral"] === true ? [...outer, current] : outer;
      const query = asNode(asNode(inner["subquery"])["SelectStmt"]);
      return aliased(
        renamedByAlias(analyzeQuery(query, scope, ctes, cx), inner["alias"]),
        aliasName(inner["alias"]),
      );
    }
    case "RangeFunction": {
      // Functions in FROM are implicitly LATERAL; every column they return is computed from their arguments.
      const args = expression(inner["functions"], "other", [...outer, current], ctes, cx);
      const definitions = asArray(inner["coldeflist"]).map((def) =>
        stringValue(asNode(asNode(def)["ColumnDef"])["colname"]),
      );
      const isExact =
        definitions.length > 0 && inner["ordinality"] !== true && asArray(inner["functions"]).length === 1;
      const names = isExact ? renamedNames(definitions, inner["alias"]) : null;
      const columns = names ? names.map((name) => ({ name, sources: args })) : null;
      const refname = aliasName(inner["alias"]) ?? functionName(inner["functions"]);
      return aliased({ columns, wholeRow: args }, refname);
    }
    case "RangeTableSample":
      expression([inner["args"], inner["repeatable"]], "other", [...outer, current], ctes, cx);
      return fromItem(asNode(inner["relation"]), outer, current, ctes, cx);
    case "JoinExpr":
      return joinItem(inner, outer, current, ctes, cx);
    default: {
      // XMLTABLE, JSON_TABLE and whatever comes next: their columns are not followed.
      expression(inner, "other", [...outer, current], ctes, cx);
      return aliased({ columns: null, wholeRow: UNKNOWN }, aliasName(inner["alias"]));
    }
  }
}

function relationItem(range: Node, ctes: Ctes, cx: Context): FromResult {
  const name = stringValue(range["relname"]);
  const schema = typeof range["schemaname"] === "string" ? range["schemaname"] : null;
  const refname = aliasName(range["alias"]) ?? name;
  if (schema === null && ctes.has(name)) {
    const columns = ctes.get(name) ?? null;
    const cte = { columns, wholeRow: columns ? union(columns.map((column) => column.sources)) : UNKNOWN };
    return aliased(renamedByAlias(cte.columns, range["alias"], cte.wholeRow), refname);
  }
  const relations = cx.catalog ? cx.catalog.relationsNamed(schema, name) : null;
  if (!relations || relations.length === 0) return aliased({ columns: null, wholeRow: UNKNOWN }, refname);
  const wholeRow: Sources = {
    isUnknown: false,
    columns: relations.map((relation) => ({ schema: relation.schema, table: relation.table, column: null })),
  };
  const isListed = relations.every((relation) => relation.columns !== null);
  const aliases = asArray(asNode(asNode(range["alias"])["Alias"] ?? range["alias"])["colnames"]);
  if (!isListed) {
    // Column names unknown: a bare name may be a column of that name; an alias list hides which.
    const guessed = {
      columns: null,
      wholeRow,
      guessedColumn:
        aliases.length === 0
          ? (column: string) => ({
              isUnknown: false,
              columns: relations.map((r) => ({ schema: r.schema, table: r.table, column })),
            })
          : null,
    };
    return guessedItem(guessed.wholeRow, guessed.guessedColumn, refname);
  }
  // Several relations the name may be: each position answers to any of their names there.
  const width = Math.max(...relations.map((relation) => relation.columns?.length ?? 0));
  const columns: Column[] = [];
  for (let i = 0; i < width; i++) {
    const names = new Set(relations.map((relation) => relation.columns?.[i]));
    const sources: Sources = {
      isUnknown: false,
      columns: relations.flatMap((relation) =>
        relation.columns?.[i] === undefined
          ? []
          : [{ schema: relation.schema, table: relation.table, column: relation.columns[i] as string }],
      ),
    };
    const only = names.size === 1 ? [...names][0] : undefined;
    columns.push({ name: only ?? null, sources });
  }
  const item = aliased(renamedByAlias(columns, range["alias"], wholeRow), refname);
  if (relations.length > 1) for (const entry of item.items) entry.isGuessed = true;
  return item;
}

/** A relation whose columns are not listed: names are guessed to be columns, and `alias.name` may be a whole row. */
function guessedItem(
  wholeRow: Sources,
  column: ((name: string) => Sources) | null,
  refname: string,
): FromResult {
  const item: Item = {
    refname,
    isRelVisible: true,
    isColsVisible: true,
    columns: null,
    wholeRow,
    isGuessed: true,
  };
  if (column) item.guess = column;
  return { items: [item], columns: null, wholeRow };
}

function joinItem(join: Node, outer: Level[], current: Level, ctes: Ctes, cx: Context): FromResult {
  const left = fromItem(asNode(join["larg"]), outer, current, ctes, cx);
  // The right side may refer LATERALly to the left side's items.
  const right = fromItem(asNode(join["rarg"]), outer, { items: [...current.items, ...left.items] }, ctes, cx);
  // ON sees only the join's own inputs (then outer queries), as the server's namespace does.
  expression(join["quals"], "join", [...outer, { items: [...left.items, ...right.items] }], ctes, cx);
  const usingNames = asArray(join["usingClause"]).map((name) =>
    stringValue(asNode(asNode(name)["String"])["sval"]),
  );
  let merged: string[] = usingNames;
  if (join["isNatural"] === true) {
    const rightNames = new Set(right.columns?.map((column) => column.name));
    merged =
      left.columns && right.columns
        ? left.columns.flatMap((c) => (c.name !== null && rightNames.has(c.name) ? [c.name] : []))
        : [];
  }
  const wholeRow = union([left.wholeRow, right.wholeRow]);
  const isNaturalUnknown =
    join["isNatural"] === true &&
    (!left.columns ||
      !right.columns ||
      left.columns.some((c) => c.name === null) ||
      right.columns.some((c) => c.name === null));
  let columns: Column[] | null = null;
  if (left.columns && right.columns && !isNaturalUnknown) {
    const pick = (side: Column[], name: string) =>
      side.filter((column) => column.name === name || column.name === null);
    const mergedColumns = merged.map((name) => ({
      name,
      sources: union(
        [...pick(left.columns as Column[], name), ...pick(right.columns as Column[], name)].map(
          (c) => c.sources,
        ),
      ),
    }));
    const rest = (side: Column[]) =>
      side.filter((column) => column.name === null || !merged.includes(column.name));
    columns = [...mergedColumns, ...rest(left.columns), ...rest(right.columns)];
  }
  const joinAlias = aliasName(join["alias"]);
  const own = renamedByAlias(columns, join["alias"], wholeRow);
  const joinEntry: Item = {
    refname: joinAlias,
    isRelVisible: joinAlias !== null,
    isColsVisible: true,
    // Unknown columns: any name is a column of either side.
    columns: own.columns,
    wholeRow: own.wholeRow,
    isGuessed: false,
  };
  const children = [...left.items, ...right.items];
  // A join alias hides the items inside; without one they stay visible by name, not by column.
  const items =
    joinAlias !== null
      ? [joinEntry]
      : [...children.map((item) => ({ ...item, isColsVisible: false })), joinEntry];
  if (columns === null && joinAlias === null) {
    // Column names of the sides unknown: unqualified names still reach them through the sides.
    joinEntry.isColsVisible = false;
    items.push(...children.map((item) => ({ ...item, isRelVisible: false })));
  }
  const usingAlias = aliasName(join["join_using_alias"]);
  if (usingAlias !== null && columns) {
    items.push({
      refname: usingAlias,
      isRelVisible: true,
      isColsVisible: false,
      columns: columns.slice(0, merged.length),
      wholeRow: union(columns.slice(0, merged.length).map((c) => c.sources)),
      isGuessed: false,
    });
  }
  return { items, columns: own.columns, wholeRow: own.wholeRow };
}

/** Applies an alias's column list (positional over the columns) and name. */
function renamedByAlias(
  columns: Column[] | null,
  alias: unknown,
  wholeRow?: Sources,
): { columns: Column[] | null; wholeRow: Sources } {
  const names = asArray(asNode(asNode(alias)["Alias"] ?? alias)["colnames"]).map((name) =>
    stringValue(asNode(asNode(name)["String"])["sval"]),
  );
  return {
    columns: columns ? renamed(columns, names) : null,
    wholeRow: wholeRow ?? (columns ? union(columns.map((column) => column.sources)) : UNKNOWN),
  };
}

function renamed(columns: Column[] | null, names: string[]): Column[] | null {
  if (!columns) return null;
  return columns.map((column, i) =>
    i < names.length ? { name: names[i] as string, sources: column.sources } : column,
  );
}

function renamedNames(names: string[], alias: unknown): string[] {
  const aliases = asArray(asNode(asNode(alias)["Alias"] ?? alias)["colnames"]).map((name) =>
    stringValue(asNode(asNode(name)["String"])["sval"]),
  );
  return names.map((name, i) => aliases[i] ?? name);
}

function aliased(
  result: { columns: Column[] | null; wholeRow: Sources },
  refname: string | null,
): FromResult {
  const item: Item = {
    refname,
    isRelVisible: refname !== null,
    isColsVisible: true,
    columns: result.columns,
    wholeRow: result.wholeRow,
    isGuessed: false,
  };
  return { items: [item], columns: result.columns, wholeRow: result.wholeRow };
}

/**
 * The sources of an expression, recording each column reference under its clause. Aggregates and
 * window calls put their arguments in clauses of their own (an aggregate of an SSN is an oracle).
 */
function expression(value: unknown, clause: string, scope: Level[], ctes: Ctes, cx: Context): Sources {
  if (Array.isArray(value)) return union(value.map((item) => expression(item, clause, scope, ctes, cx)));
  if (value === null || typeof value !== "object") return NOTHING;
  const parts: Sources[] = [];
  for (const [key, inner] of Object.entries(value as Node)) {
    if (inner === null || typeof inner !== "object") continue;
    switch (key) {
      case "ColumnRef": {
        const fields = asArray(asNode(inner)["fields"]);
        const sources = columnRef(fields, scope);
        cx.references.push({ text: fieldText(fields), clause, sources });
        parts.push(sources);
        break;
      }
      case "SubLink": {
        const link = asNode(inner);
        parts.push(expression(link["testexpr"], clause, scope, ctes, cx));
        const outputs = analyzeQuery(asNode(asNode(link["subselect"])["SelectStmt"]), scope, ctes, cx);
        // The subquery's value is used where the subquery stands (`WHERE (SELECT ssn …) = '…'`).
        const sources = outputs ? union(outputs.map((column) => column.sources)) : UNKNOWN;
        cx.references.push({ text: "(subquery)", clause, sources });
        parts.push(sources);
        break;
      }
      case "FuncCall": {
        const call = asNode(inner);
        const name = functionName({ FuncCall: call }) ?? "";
        const argClause = call["over"] ? "window" : AGGREGATE_NAMES.has(name) ? "aggregate" : clause;
        parts.push(
          expression([call["args"], call["agg_filter"], call["agg_order"]], argClause, scope, ctes, cx),
        );
        parts.push(expression(call["over"], "window", scope, ctes, cx));
        break;
      }
      case "SelectStmt":
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt":
      case "MergeStmt":
        // A statement nested in a utility statement (EXPLAIN, PREPARE, DECLARE, COPY, CREATE … AS).
        if (key === "SelectStmt") {
          const outputs = analyzeQuery(asNode(inner), scope, ctes, cx);
          parts.push(outputs ? union(outputs.map((column) => column.sources)) : UNKNOWN);
        } else statement(key, asNode(inner), scope, ctes, cx);
        break;
      case "RangeVar":
        // A relation named outside a FROM list (COPY's table, CREATE INDEX ON): all of it.
        parts.push(relationItem(asNode(inner), ctes, cx).wholeRow);
        break;
      default:
        parts.push(expression(inner, clause, scope, ctes, cx));
    }
  }
  return union(parts);
}

/** The name the server gives a result column (FigureColname), or null where Sluice is not sure. */
function figureName(value: Node): string | null {
  const [type] = Object.keys(value);
  const inner = asNode(value[type ?? ""]);
  switch (type) {
    case "ColumnRef": {
      const last = asNode(asArray(inner["fields"]).at(-1))["String"];
      return last ? stringValue(asNode(last)["sval"]) : null;
    }
    case "FuncCall":
      return functionName(value);
    case "TypeCast":
      return figureName(asNode(inner["arg"]));
    case "A_Const":
    case "A_Expr":
    case "BoolExpr":
      return "?column?";
    case "CaseExpr":
      return "case";
    case "CoalesceExpr":
      return "coalesce";
    default:
      return null;
  }
}

/** The last name part of a FuncCall, or of the first function of a RangeFunction's list. */
function functionName(value: unknown): string | null {
  const first = asNode(Array.isArray(value) ? value[0] : value);
  const call = first["FuncCall"]
    ? asNode(first["FuncCall"])
    : asNode(asNode(asArray(asNode(first["List"])["items"])[0])["FuncCall"]);
  const parts = asArray(call["funcname"]).map((part) =>
    stringValue(asNode(asNode(part)["String"])["sval"]).toLowerCase(),
  );
  return parts.at(-1) ?? null;
}

function aliasName(alias: unknown): string | null {
  const node = asNode(asNode(alias)["Alias"] ?? alias);
  return typeof node["aliasname"] === "string" ? node["aliasname"] : null;
}
