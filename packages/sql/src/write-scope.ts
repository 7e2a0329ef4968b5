/**
 * Whether an UPDATE's or DELETE's condition (or a MERGE action's ON and AND conditions) limits the
 * rows of its target. Judged on the parse tree alone, without the catalog, and failing closed: a
 * condition counts only where it names a column of the target in a way that cannot belong to any
 * other relation. It does not prove the condition restricts anything: `WHERE id = id` passes.
 */

type Node = Record<string, unknown>;

/** The relation being written, as conditions refer to it. */
export type WriteTarget = {
  /** The name its columns are qualified with: its alias, or else its own name. */
  refName: string;
  /**
   * No other relation is in scope (no FROM, USING or MERGE source), so an unqualified column can
   * only be the target's. With another relation it could be either one's: it does not count.
   */
  isAlone: boolean;
};

export function writeTarget(relation: Node, otherRelations: unknown): WriteTarget {
  const alias = asNode(relation["alias"])["aliasname"];
  return {
    refName: typeof alias === "string" && alias ? alias : String(relation["relname"] ?? ""),
    isAlone: asArray(otherRelations).length === 0,
  };
}

/**
 * True when the condition limits the target's rows. `WHERE CURRENT OF` names one row. AND limits
 * when any operand does, OR only when every operand does (`id = 1 OR true` does not), and NOT
 * swaps the two; any other expression limits when it names a column of the target.
 */
export function limitsTarget(condition: unknown, target: WriteTarget, isNegated = false): boolean {
  const node = asNode(condition);
  if (node["CurrentOfExpr"]) return !isNegated;
  const bool = node["BoolExpr"] ? asNode(node["BoolExpr"]) : null;
  if (bool) {
    const args = asArray(bool["args"]);
    const op = bool["boolop"];
    if (op === "NOT_EXPR") return args.length === 1 && limitsTarget(args[0], target, !isNegated);
    const isConjunction = (op === "AND_EXPR") !== isNegated;
    return isConjunction
      ? args.some((arg) => limitsTarget(arg, target, isNegated))
      : args.length > 0 && args.every((arg) => limitsTarget(arg, target, isNegated));
  }
  return namesTargetColumn(condition, target, { isUnqualifiedOurs: target.isAlone, isShadowed: false });
}

type Scope = { isUnqualifiedOurs: boolean; isShadowed: boolean };

function namesTargetColumn(value: unknown, target: WriteTarget, scope: Scope): boolean {
  if (Array.isArray(value)) return value.some((item) => namesTargetColumn(item, target, scope));
  if (value === null || typeof value !== "object") return false;
  for (const [key, inner] of Object.entries(value as Node)) {
    if (key === "ColumnRef") {
      if (isTargetColumn(asNode(inner), target, scope)) return true;
    } else if (key === "SelectStmt") {
      if (namesTargetColumn(inner, target, subqueryScope(asNode(inner), target, scope))) return true;
    } else if (namesTargetColumn(inner, target, scope)) return true;
  }
  return false;
}

function isTargetColumn(ref: Node, target: WriteTarget, scope: Scope): boolean {
  const fields = asArray(ref["fields"]).map((field) => asNode(asNode(field)["String"])["sval"]);
  if (fields.length === 1) return scope.isUnqualifiedOurs;
  return !scope.isShadowed && fields.at(-2) === target.refName;
}

/**
 * Inside a subquery with a FROM list, an unqualified name binds to the subquery's own relations
 * first, and a relation there named like the target hides it.
 */
function subqueryScope(select: Node, target: WriteTarget, outer: Scope): Scope {
  const from = asArray(select["fromClause"]);
  if (from.length === 0) return outer;
  return {
    isUnqualifiedOurs: false,
    isShadowed: outer.isShadowed || rangeNames(from).has(target.refName),
  };
}

/** The names a FROM list's items are referred to by (aliases, else relation names). */
function rangeNames(items: unknown[]): Set<string> {
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

function asNode(value: unknown): Node {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Node) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
