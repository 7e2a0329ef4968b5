/**
 * Whether an UPDATE's or DELETE's condition (or a MERGE action's ON and AND conditions) limits the
 * rows of its target. Judged on the parse tree alone, and failing closed: a condition counts only
 * in a shape recognized as restricting — a column of the target, as it is, compared with values
 * that do not come from the target's own rows. `id = id`, `id IS NOT NULL`,
 * `id IN (SELECT id FROM orders)` and `coalesce(id, 0) = coalesce(id, 0)` do not count.
 */
import { asArray, asNode, type Node, rangeNames, readsTarget, type WriteTarget } from "./write-target";

export { type WriteTarget, writeTarget } from "./write-target";

/** Where a condition is read: the write's own scope, or a subquery with its own range names. */
type Scope = { target: WriteTarget; localNames: ReadonlySet<string> | null };

const COMPARISONS = new Set(["=", "<>", "!=", "<", ">", "<=", ">="]);
const LIKES = new Set(["~~", "!~~", "~~*", "!~~*"]);
/** Expression kinds that compare with an operator, and those whose operand list needs no operator. */
const OPERATOR_KINDS = new Set(["AEXPR_OP", "AEXPR_OP_ANY", "AEXPR_OP_ALL"]);
const LIST_KINDS = new Set([
  "AEXPR_IN",
  "AEXPR_DISTINCT",
  "AEXPR_NOT_DISTINCT",
  "AEXPR_BETWEEN",
  "AEXPR_NOT_BETWEEN",
  "AEXPR_BETWEEN_SYM",
  "AEXPR_NOT_BETWEEN_SYM",
]);

/**
 * Null when the condition limits the target's rows; otherwise why not, in words. `WHERE CURRENT
 * OF` names one row. AND limits when any operand does, OR only when every operand does and pins
 * a column to listed values (`pinsValues`), and NOT swaps the two (De Morgan); an atom limits in
 * the shapes `judgeAtom` knows.
 */
export function whyUnlimited(condition: unknown, target: WriteTarget): string | null {
  return judge(condition, { target, localNames: null }, false);
}

/** True when the condition limits the target's rows (see whyUnlimited). */
export function limitsTarget(condition: unknown, target: WriteTarget): boolean {
  return whyUnlimited(condition, target) === null;
}

function judge(condition: unknown, scope: Scope, isNegated: boolean): string | null {
  const node = asNode(condition);
  if (node["CurrentOfExpr"]) return isNegated ? "NOT CURRENT OF is every row but one" : null;
  const bool = node["BoolExpr"] ? asNode(node["BoolExpr"]) : null;
  if (!bool) return judgeAtom(node, scope, isNegated);
  const args = asArray(bool["args"]);
  if (bool["boolop"] === "NOT_EXPR") return judge(args[0], scope, !isNegated);
  const reasons = args.map((arg) => judge(arg, scope, isNegated));
  const isConjunction = (bool["boolop"] === "AND_EXPR") !== isNegated;
  if (isConjunction) return reasons.includes(null) ? null : (reasons[0] ?? noColumn(scope));
  const failed = reasons.find((reason) => reason !== null);
  if (failed !== undefined) return `one branch of its OR limits nothing: ${failed}`;
  // Branches that each limit can still cover every row together (`id < 5 OR id >= 5`,
  // `a = 1 OR a <> 1`): an OR counts only when every branch pins a column to listed values.
  return args.every((arg) => pinsValues(arg, scope, isNegated)) ? null : OR_OF_RANGES;
}

/**
 * True when the condition holds only for rows whose column (of the target) is one of finitely many
 * values the statement names: `=`, `IN (…)`, `= ANY (…)`, `IS NOT DISTINCT FROM`, `IS NULL`, and
 * what NOT turns into them; an AND when any operand does, an OR when every one does. A union of
 * such sets is a tautology only if the table's data happen to lie in it, never by its shape, unless
 * the column's type has no other values: so a boolean constant never pins (`b = true OR b = false`).
 */
function pinsValues(condition: unknown, scope: Scope, isNegated: boolean): boolean {
  const node = asNode(condition);
  const bool = node["BoolExpr"] ? asNode(node["BoolExpr"]) : null;
  if (bool) {
    const args = asArray(bool["args"]);
    if (bool["boolop"] === "NOT_EXPR") return pinsValues(args[0], scope, !isNegated);
    const isConjunction = (bool["boolop"] === "AND_EXPR") !== isNegated;
    return isConjunction
      ? args.some((arg) => pinsValues(arg, scope, isNegated))
      : args.every((arg) => pinsValues(arg, scope, isNegated));
  }
  return hasPointShape(node, isNegated) && judgeAtom(node, scope, isNegated) === null;
}

function hasPointShape(node: Node, isNegated: boolean): boolean {
  if (node["NullTest"]) return (asNode(node["NullTest"])["nulltesttype"] === "IS_NULL") !== isNegated;
  if (node["SubLink"]) {
    const link = asNode(node["SubLink"]);
    // `IN (SELECT …)` carries no operator name; `= ANY (SELECT …)` and `<> ALL (SELECT …)` do.
    const names = asArray(link["operName"]);
    const operator = names.length === 0 ? "=" : asNode(asNode(names.at(-1))["String"])["sval"];
    if (link["subLinkType"] === "ANY_SUBLINK") return operator === "=" && !isNegated;
    return link["subLinkType"] === "ALL_SUBLINK" && (operator === "<>" || operator === "!=") && isNegated;
  }
  if (!node["A_Expr"]) return false;
  const expr = asNode(node["A_Expr"]);
  if (hasBooleanConstant(expr["lexpr"]) || hasBooleanConstant(expr["rexpr"])) return false;
  const kind = expr["kind"];
  const operator = asNode(asNode(asArray(expr["name"])[0])["String"])["sval"];
  const isEqual = operator === "=";
  const isUnequal = operator === "<>" || operator === "!=";
  switch (kind) {
    case "AEXPR_OP":
    case "AEXPR_IN":
      return isNegated ? isUnequal : isEqual;
    case "AEXPR_OP_ANY":
      return isEqual && !isNegated;
    case "AEXPR_OP_ALL":
      return isUnequal && isNegated;
    case "AEXPR_NOT_DISTINCT":
      return !isNegated;
    case "AEXPR_DISTINCT":
      return isNegated;
    default:
      return false;
  }
}

/** `true`, `false` or a cast to boolean anywhere in the value: the whole domain is two values. */
function hasBooleanConstant(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasBooleanConstant);
  if (value === null || typeof value !== "object") return false;
  const node = value as Node;
  if (node["A_Const"] && asNode(node["A_Const"])["boolval"] !== undefined) return true;
  if (node["TypeCast"]) {
    const names = asArray(asNode(asNode(node["TypeCast"])["typeName"])["names"]);
    const last = asNode(asNode(names.at(-1))["String"])["sval"];
    if (last === "bool" || last === "boolean") return true;
  }
  return Object.values(node).some(hasBooleanConstant);
}

function judgeAtom(node: Node, scope: Scope, isNegated: boolean): string | null {
  if (node["A_Expr"]) return judgeComparison(asNode(node["A_Expr"]), scope, isNegated);
  if (node["SubLink"]) return judgeSubLink(asNode(node["SubLink"]), scope);
  if (node["NullTest"]) {
    const test = asNode(node["NullTest"]);
    if (targetColumn(test["arg"], scope) === null) return noColumn(scope);
    return (test["nulltesttype"] === "IS_NOT_NULL") !== isNegated ? NOT_NULL : null;
  }
  if (node["BooleanTest"]) {
    const test = asNode(node["BooleanTest"]);
    if (targetColumn(test["arg"], scope) === null) return noColumn(scope);
    const type = test["booltesttype"];
    if (type === "IS_NOT_UNKNOWN" && !isNegated) return NOT_NULL;
    return type === "IS_UNKNOWN" && isNegated ? NOT_NULL : null;
  }
  // A boolean column of the target on its own: `WHERE is_expired`.
  if (node["ColumnRef"] && targetColumn(node, scope) !== null) return null;
  return noColumn(scope);
}

function judgeComparison(expr: Node, scope: Scope, isNegated: boolean): string | null {
  const kind = String(expr["kind"]);
  const operator = String(asNode(asNode(asArray(expr["name"])[0])["String"])["sval"]);
  const isSymmetric = kind === "AEXPR_OP" || kind === "AEXPR_DISTINCT" || kind === "AEXPR_NOT_DISTINCT";
  const isKnown =
    (OPERATOR_KINDS.has(kind) && COMPARISONS.has(operator)) ||
    LIST_KINDS.has(kind) ||
    ((kind === "AEXPR_LIKE" || kind === "AEXPR_ILIKE") && LIKES.has(operator));
  if (!isKnown) return noColumn(scope);
  let other = expr["rexpr"];
  if (targetColumn(expr["lexpr"], scope) === null) {
    if (!isSymmetric || targetColumn(expr["rexpr"], scope) === null) return noColumn(scope);
    other = expr["lexpr"];
  }
  if (dependsOnTarget(other, scope)) return selfCompared(scope);
  if (kind === "AEXPR_LIKE" || kind === "AEXPR_ILIKE") return hasLiteralCharacter(other) ? null : LIKE_ALL;
  // `b IN (true, false)` lists a boolean's whole domain.
  const isList = kind === "AEXPR_IN" || kind === "AEXPR_OP_ANY" || kind === "AEXPR_OP_ALL";
  if (isList && hasBooleanConstant(other)) return BOOLEAN_LIST;
  // `x IS DISTINCT FROM NULL` is `x IS NOT NULL`, and its negation the other way round.
  const isNull = asNode(asNode(other)["A_Const"])["isnull"] === true;
  const isDistinctTest = kind === "AEXPR_DISTINCT" || kind === "AEXPR_NOT_DISTINCT";
  if (isNull && isDistinctTest && (kind === "AEXPR_DISTINCT") !== isNegated) return NOT_NULL;
  return null;
}

/**
 * `col IN (SELECT …)`, `col = ANY (SELECT …)` and `col <> ALL (SELECT …)` limit when the subquery
 * stays clear of the target's rows. EXISTS limits only as a semi-join: its subquery reads other
 * relations only and its WHERE compares a qualified target column with them.
 */
function judgeSubLink(link: Node, scope: Scope): string | null {
  const type = link["subLinkType"];
  if (type === "ANY_SUBLINK" || type === "ALL_SUBLINK") {
    if (targetColumn(link["testexpr"], scope) === null) return noColumn(scope);
    return dependsOnTarget(link["subselect"], scope) ? selfCompared(scope) : null;
  }
  if (type !== "EXISTS_SUBLINK") return noColumn(scope);
  const select = asNode(asNode(link["subselect"])["SelectStmt"]);
  const from = asArray(select["fromClause"]);
  const names = rangeNames(from);
  const isPlainJoin =
    select["op"] === "SETOP_NONE" &&
    from.length > 0 &&
    select["groupClause"] === undefined &&
    select["havingClause"] === undefined &&
    asArray(select["targetList"]).every((item) => {
      const value = asNode(asNode(asNode(item)["ResTarget"])["val"]);
      return value["A_Const"] !== undefined || value["ColumnRef"] !== undefined;
    });
  if (!isPlainJoin || names.has(scope.target.refName)) return EXISTS_NOT_JOIN;
  if (readsTarget(select, scope.target)) return selfCompared(scope);
  const inner: Scope = {
    target: { ...scope.target, isAlone: false },
    localNames: new Set([...(scope.localNames ?? []), ...names]),
  };
  return judge(select["whereClause"], inner, false) === null ? null : EXISTS_NOT_JOIN;
}

/** The target column an expression is, as it is (a cast allowed), or null. */
function targetColumn(value: unknown, scope: Scope): string | null {
  let node = asNode(value);
  if (node["TypeCast"]) node = asNode(asNode(node["TypeCast"])["arg"]);
  if (!node["ColumnRef"]) return null;
  const fields = columnFields(asNode(node["ColumnRef"]));
  if (fields === null) return null;
  if (fields.length === 1) return scope.target.isAlone && scope.localNames === null ? fields[0]! : null;
  const qualifier = fields.at(-2);
  if (qualifier !== scope.target.refName || scope.localNames?.has(qualifier)) return null;
  return fields.at(-1)!;
}

/**
 * True when the expression could take its value from the target's rows: an unqualified column
 * (the target's, or ambiguous), a column of a range name that reads the target, or a subquery
 * reading the target table or a WITH query over it. Inside a subquery, only columns qualified
 * with one of its own range names are clear: an unqualified one may be the target's, correlated.
 */
function dependsOnTarget(value: unknown, scope: Scope): boolean {
  if (Array.isArray(value)) return value.some((item) => dependsOnTarget(item, scope));
  if (value === null || typeof value !== "object") return false;
  for (const [key, inner] of Object.entries(value as Node)) {
    if (key === "ColumnRef") {
      const ref = asNode(inner);
      const fields = columnFields(ref);
      if (fields === null) {
        if (isStar(ref, scope)) continue;
        return true;
      }
      if (fields.length === 1) return true;
      const qualifier = fields.at(-2)!;
      if (scope.localNames?.has(qualifier)) continue;
      if (scope.target.dependentRangeNames.has(qualifier)) return true;
    } else if (key === "SelectStmt") {
      if (readsTarget(inner, scope.target)) return true;
      const names = rangeNames(asArray(asNode(inner)["fromClause"]));
      const local = new Set([...(scope.localNames ?? []), ...names]);
      if (dependsOnTarget(inner, { ...scope, localNames: local })) return true;
    } else if (dependsOnTarget(inner, scope)) return true;
  }
  return false;
}

/** A ColumnRef's names, or null when it ends in `*`. */
function columnFields(ref: Node): string[] | null {
  const fields = asArray(ref["fields"]).map((field) => asNode(asNode(field)["String"])["sval"]);
  return fields.every((field) => typeof field === "string") ? (fields as string[]) : null;
}

/** `*` of a subquery's own relations (`SELECT * FROM refunds`) names nothing of the target's. */
function isStar(ref: Node, scope: Scope): boolean {
  const fields = asArray(ref["fields"]);
  if (scope.localNames === null) return false;
  if (fields.length === 1) return true;
  const qualifier = asNode(asNode(fields.at(-2))["String"])["sval"];
  return typeof qualifier === "string" && scope.localNames.has(qualifier);
}

/** A LIKE pattern limits only as a constant with a character other than the wildcards. */
function hasLiteralCharacter(pattern: unknown): boolean {
  const text = asNode(asNode(asNode(pattern)["A_Const"])["sval"])["sval"];
  return typeof text === "string" && /[^%_]/.test(text);
}

const NOT_NULL = "IS NOT NULL (or IS DISTINCT FROM NULL) holds for every row where the column has a value";
const OR_OF_RANGES =
  "an OR counts only when every branch pins a column to listed values (=, IN, = ANY, IS NULL); ranges, <>, LIKE and NOT … can together cover every row";
const BOOLEAN_LIST = "a list of boolean values can name every value the column has";
const LIKE_ALL = "LIKE counts only with a constant pattern that has a character other than % and _";
const EXISTS_NOT_JOIN =
  "EXISTS (…) counts only as a join to other tables on a qualified column of the target, with no GROUP BY, HAVING or computed select list";

function noColumn(scope: Scope): string {
  const ref = scope.target.refName;
  return scope.target.isAlone
    ? `nothing it requires compares a column of ${ref} as it is with a value (constants, functions of a column such as coalesce(id, 0), and subqueries' values do not count)`
    : `nothing it requires compares a column qualified with ${ref} (${ref}.id) with a value; with FROM, USING or a MERGE source an unqualified name may be another table's`;
}

function selfCompared(scope: Scope): string {
  const ref = scope.target.refName;
  return `it compares a column of ${ref} with values read from ${ref} itself (another of its columns, an unqualified name, or a subquery or WITH query reading ${ref}), which can hold for every row`;
}
