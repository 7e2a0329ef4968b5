// Column lineage of FROM items: relations, subqueries, functions, joins and their aliases.

import type { Context, Ctes, FromResult, Sources } from "./column-lineage";
import { aliasName, expression, functionName } from "./lineage-expression";
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
import { analyzeQuery } from "./lineage-query";

/** One FROM item: the namespace items it adds and the columns it produces (for an enclosing join). */
export function fromItem(node: Node, outer: Level[], current: Level, ctes: Ctes, cx: Context): FromResult {
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

export function relationItem(range: Node, ctes: Ctes, cx: Context): FromResult {
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

export function renamed(columns: Column[] | null, names: string[]): Column[] | null {
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
