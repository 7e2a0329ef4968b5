/**
 * The relation an UPDATE, DELETE or MERGE writes, and which names in its statement stand for that
 * relation's own rows. Judged on the parse tree alone, without the catalog, and failing closed: a
 * relation of the target's name in any schema, and a WITH query not shown to stay clear of it,
 * count as the target's rows.
 */

export type Node = Record<string, unknown>;

/** The relation being written, as conditions refer to it. */
export type WriteTarget = {
  /** The name its columns are qualified with: its alias, or else its own name. */
  refName: string;
  /**
   * No other relation is in scope (no FROM, USING or MERGE source), so an unqualified column can
   * only be the target's. With another relation it could be either one's: it does not count.
   */
  isAlone: boolean;
  /**
   * Range names of the write's own scope whose columns are the target's rows: the target's own and
   * any FROM/USING/source item that reads the target table (`USING orders s`).
   */
  dependentRangeNames: Set<string>;
  /** Relation names that read the target's rows: its table name and WITH queries over it. */
  dependentRelations: Set<string>;
  /**
   * The statement's own WITH query of the table's name, shown not to read it: an unqualified name
   * there is that query (`WITH orders AS (SELECT 1 AS id) MERGE … USING orders s`), not the table.
   */
  shadowingCte: string | null;
};

/**
 * `otherRelations` is the FROM, USING or MERGE source list; `withClause` the statement's own WITH;
 * `visibleCtes` every WITH query name in scope (an enclosing statement's ones count as reading the
 * target: their bodies are not at hand here).
 */
export function writeTarget(
  relation: Node,
  otherRelations: unknown,
  withClause?: unknown,
  visibleCtes: ReadonlySet<string> = new Set(),
): WriteTarget {
  const alias = asNode(relation["alias"])["aliasname"];
  const relName = String(relation["relname"] ?? "");
  const refName = typeof alias === "string" && alias ? alias : relName;
  const dependentRelations = cteClosure(relName, withClause, visibleCtes);
  const isShadowed = asArray(asNode(withClause)["ctes"]).some(
    (entry) => asNode(asNode(entry)["CommonTableExpr"])["ctename"] === relName,
  );
  const target: WriteTarget = {
    refName,
    isAlone: asArray(otherRelations).length === 0,
    dependentRangeNames: new Set([refName]),
    dependentRelations,
    shadowingCte: isShadowed && !dependentRelations.has(`cte:${relName}`) ? relName : null,
  };
  for (const item of asArray(otherRelations)) {
    for (const name of rangeNames([item])) {
      if (readsTarget(item, target)) target.dependentRangeNames.add(name);
    }
  }
  return target;
}

/**
 * True when the tree reads the target's rows: names its table (any schema) or a WITH query over
 * it, except an unqualified name of the table that the statement's own clean WITH query hides.
 */
export function readsTarget(value: unknown, target: WriteTarget): boolean {
  if (Array.isArray(value)) return value.some((item) => readsTarget(item, target));
  if (value === null || typeof value !== "object") return false;
  const node = value as Node;
  const name = node["relname"];
  if (typeof name === "string" && target.dependentRelations.has(name)) {
    const isHidden = name === target.shadowingCte && node["schemaname"] === undefined;
    if (!isHidden) return true;
  }
  return Object.values(node).some((inner) => readsTarget(inner, target));
}

/**
 * The target's table name and every WITH query that reads it, directly or through another. A name
 * visible from an enclosing WITH, whose body is not in this statement, counts as reading it.
 */
function cteClosure(relName: string, withClause: unknown, visibleCtes: ReadonlySet<string>): Set<string> {
  const bodies = new Map<string, unknown>();
  for (const entry of asArray(asNode(withClause)["ctes"])) {
    const cte = asNode(asNode(entry)["CommonTableExpr"]);
    bodies.set(String(cte["ctename"] ?? ""), cte["ctequery"]);
  }
  const dependent = new Set([relName]);
  for (const name of visibleCtes) if (!bodies.has(name)) dependent.add(name);
  // A query of the table's own name is judged too: its body sees the table, not itself.
  const keyOf = (name: string) => (name === relName ? `cte:${name}` : name);
  let isGrowing = true;
  while (isGrowing) {
    isGrowing = false;
    for (const [name, body] of bodies) {
      if (!dependent.has(keyOf(name)) && readsAny(body, dependent)) {
        dependent.add(keyOf(name));
        isGrowing = true;
      }
    }
  }
  return dependent;
}

/** True when the tree names a relation (a RangeVar, any schema) of one of these names. */
function readsAny(value: unknown, names: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((item) => readsAny(item, names));
  if (value === null || typeof value !== "object") return false;
  const node = value as Node;
  if (typeof node["relname"] === "string" && names.has(node["relname"])) return true;
  return Object.values(node).some((inner) => readsAny(inner, names));
}

/** The names a FROM list's items are referred to by (aliases, else relation names), joins opened. */
export function rangeNames(items: unknown[]): Set<string> {
  const names = new Set<string>();
  const add = (item: unknown): void => {
    const node = asNode(item);
    const [type] = Object.keys(node);
    const inner = asNode(type ? node[type] : undefined);
    const alias = asNode(inner["alias"])["aliasname"];
    if (typeof alias === "string") names.add(alias);
    else if (typeof inner["relname"] === "string") names.add(inner["relname"]);
    if (type === "JoinExpr") {
      add(inner["larg"]);
      add(inner["rarg"]);
    }
  };
  for (const item of items) add(item);
  return names;
}

/**
 * What a missing node or list reads as: one frozen empty value, not one allocated per call (the walk
 * asks for absent fields of most nodes it visits). Frozen, so a write to it throws.
 */
const NO_NODE: Node = Object.freeze({}) as Node;
const NO_LIST: unknown[] = Object.freeze([]) as unknown as unknown[];

export function asNode(value: unknown): Node {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Node) : NO_NODE;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : NO_LIST;
}
