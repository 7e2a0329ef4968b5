/**
 * Whether a MySQL UPDATE's or DELETE's WHERE limits the rows of a table it writes: the rule of the
 * Postgres path (packages/sql/src/write-scope.ts, docs/policy.md "Scoped writes") on
 * node-sql-parser's tree, failing closed. A condition counts only in a shape recognized as
 * restricting — a column of the target, as it is, compared with values that do not come from the
 * target's own rows. `WHERE 1`, `WHERE TRUE`, `WHERE id`, `WHERE id = id`, `WHERE 'a' = 'a'`,
 * `WHERE id IN (1, id)`, `WHERE id = 1 OR 1` and `WHERE name IS NOT NULL` do not count.
 *
 * Stricter than Postgres where MySQL reads more loosely: a bare column (`WHERE id`) is true for
 * every non-zero value and never counts; `IS TRUE`/`IS FALSE` do not count either; NOT and `!`
 * count only over the shapes whose negation still pins (`NOT (id <> 1)`), and XOR never does.
 */
import type { TableRef } from "@sluice/sql/facts";
import { type AstNode, isNode, isNotOperatorCall } from "./ast-walk";
import { hasMisgroupedLogic } from "./logic-precedence";

/**
 * The table judged and how the statement may name it; `isOnlyTable` when the write names no other.
 * `qualifier` is the one name that makes `x.col` a column of the target in the statement's own
 * block — its alias when it has one (the alias hides the table's name), else its name — or null
 * when another table of that block answers to it too (then no qualified column counts).
 */
export type MySqlWriteTarget = { table: TableRef; isOnlyTable: boolean; qualifier: string | null };

const LOGICAL = new Set(["OR", "||", "XOR", "AND", "&&"]);
const COMPARISONS = new Set(["=", "<>", "!=", "<", ">", "<=", ">=", "<=>"]);
/** Comparisons that pin a column to the values they list (they may join an OR). */
const PINNING = new Set(["=", "<=>", "IN"]);
/** The comparison each one becomes under NOT. */
const NEGATED: Record<string, string> = {
  "=": "<>",
  "<>": "=",
  "!=": "=",
  "<": ">=",
  ">": "<=",
  "<=": ">",
  ">=": "<",
  IN: "NOT IN",
  "NOT IN": "IN",
  BETWEEN: "NOT BETWEEN",
  "NOT BETWEEN": "BETWEEN",
  LIKE: "NOT LIKE",
  "NOT LIKE": "LIKE",
  IS: "IS NOT",
  "IS NOT": "IS",
};

const NO_TARGET_COLUMN =
  "has a WHERE clause that does not limit its rows: compare a column of the table, as it is, with values that do not come from its own rows (WHERE id = 42)";
const MISGROUPED =
  "has a WHERE clause with || or XOR beneath AND, NOT or a comparison without parentheses, which Sluice's grammar groups differently from the server: add parentheses or write OR (id = 1 AND (a OR b))";
const OR_OF_RANGES =
  "has a WHERE clause whose OR branches may together cover every row: in an OR, pin a column to listed values in every branch (id = 1 OR id = 2, id IN (1, 2))";

/** Null when `where` limits the target's rows; otherwise why not, in words. */
export function whyUnlimitedMySql(where: unknown, target: MySqlWriteTarget): string | null {
  // The judgement below follows the tree's grouping, which must then be the server's.
  if (hasMisgroupedLogic(where)) return MISGROUPED;
  return judge(where, target, false);
}

/**
 * What a NOT negates, or undefined when `node` is no NOT: `NOT x` and `!x` as the grammar groups
 * them (as the server does: `!` binds tighter than a comparison, `! id = 0` is `(!id) = 0`; NOT
 * looser, `NOT id = 1` is `NOT (id = 1)`), and `NOT (x)`, which the grammar reads as a call of a
 * function named NOT. The call is the operator only where it stands as a condition of its own —
 * the whole WHERE, an operand of AND, OR or another NOT, which is all `judge` and `pinsValues` are
 * given. Beneath a comparison (`NOT (id) = 5`: the server's `NOT ((id) = 5)`, the grammar's
 * `NOT(id) = 5`) the groupings differ, and it is left a call, which limits nothing. A backquoted
 * or database-qualified `not(…)` is a stored function, never the operator.
 */
function negatedOperand(node: AstNode): unknown {
  const operator = typeof node.operator === "string" ? node.operator.toUpperCase() : null;
  if (node.type === "unary_expr" && (operator === "NOT" || operator === "!")) return node.expr ?? null;
  if (!isNotOperatorCall(node)) return undefined;
  const args = isNode(node.args) && Array.isArray(node.args.value) ? node.args.value : [];
  // `NOT (a, b)` negates a row, which is no condition Sluice judges.
  return args.length === 1 ? args[0] : null;
}

function judge(node: unknown, target: MySqlWriteTarget, isNegated: boolean): string | null {
  if (!isNode(node)) return NO_TARGET_COLUMN;
  const operator = typeof node.operator === "string" ? node.operator.toUpperCase() : null;
  const negated = negatedOperand(node);
  if (negated !== undefined) return judge(negated, target, !isNegated);
  if (
    node.type === "binary_expr" &&
    (operator === "AND" || operator === "&&" || operator === "OR" || operator === "||")
  ) {
    const isAnd = operator === "AND" || operator === "&&";
    const reasons = [judge(node.left, target, isNegated), judge(node.right, target, isNegated)];
    if (isAnd !== isNegated) return reasons.includes(null) ? null : (reasons[0] ?? NO_TARGET_COLUMN);
    if (reasons.some((reason) => reason !== null))
      return `${reasons.find((r) => r !== null)} (in one branch of an OR)`;
    return pinsValues(node.left, target, isNegated) && pinsValues(node.right, target, isNegated)
      ? null
      : OR_OF_RANGES;
  }
  return judgeAtom(node, target, isNegated) ? null : NO_TARGET_COLUMN;
}

/** Whether an OR branch pins a column of the target to listed values (an AND with such an operand too). */
function pinsValues(node: unknown, target: MySqlWriteTarget, isNegated: boolean): boolean {
  if (!isNode(node)) return false;
  const operator = typeof node.operator === "string" ? node.operator.toUpperCase() : null;
  const negated = negatedOperand(node);
  if (negated !== undefined) return pinsValues(negated, target, !isNegated);
  if (node.type !== "binary_expr" || operator === null) return false;
  if (operator === "AND" || operator === "&&" || operator === "OR" || operator === "||") {
    const isAnd = operator === "AND" || operator === "&&";
    const parts = [pinsValues(node.left, target, isNegated), pinsValues(node.right, target, isNegated)];
    return isAnd !== isNegated ? parts.includes(true) : parts.every(Boolean);
  }
  const effective = isNegated ? NEGATED[operator] : operator;
  if (effective === "IS") return judgeAtom(node, target, isNegated);
  return effective !== undefined && PINNING.has(effective) && judgeAtom(node, target, isNegated);
}

/** One comparison: a column of the target on one side, values clear of its rows on the other. */
function judgeAtom(node: AstNode, target: MySqlWriteTarget, isNegated: boolean): boolean {
  if (node.type !== "binary_expr" || typeof node.operator !== "string") return false;
  const written = node.operator.toUpperCase();
  const operator = isNegated ? NEGATED[written] : written;
  if (operator === undefined) return false;
  const { left, right } = node;
  if (COMPARISONS.has(operator))
    return (
      (isTargetColumn(left, target) && isClearValue(right, target)) ||
      (isTargetColumn(right, target) && isClearValue(left, target))
    );
  if (!isTargetColumn(left, target)) return false;
  switch (operator) {
    case "IN":
    case "NOT IN":
    case "BETWEEN":
    case "NOT BETWEEN":
      return isClearValue(right, target);
    case "LIKE":
      // `%` alone, or only wildcards, matches every non-null value.
      return isNode(right) && typeof right.value === "string" && /[^%_]/.test(right.value);
    case "IS":
      return isNode(right) && right.type === "null";
    default:
      return false;
  }
}

/** A column of the target as it is: qualified with the name the server resolves to it, or bare when it is the only table. */
function isTargetColumn(node: unknown, target: MySqlWriteTarget): boolean {
  if (!isNode(node) || node.type !== "column_ref" || node.column === "*") return false;
  if (node.table === null || node.table === undefined) return target.isOnlyTable;
  return target.qualifier !== null && String(node.table).toLowerCase() === target.qualifier.toLowerCase();
}

/** Whether a qualifier may name the target anywhere (its name or its alias): for values, the safe side. */
function namesTarget(name: string, target: MySqlWriteTarget): boolean {
  const lower = name.toLowerCase();
  return lower === target.table.name.toLowerCase() || lower === target.table.alias?.toLowerCase();
}

/**
 * A value that does not come from the target's rows: no bare column anywhere in it (in a subquery
 * one may be the target's, correlated), no column qualified with the target's names, and no
 * subquery that reads a table of the target's name (in any database).
 */
function isClearValue(node: unknown, target: MySqlWriteTarget): boolean {
  let isClear = true;
  const visit = (value: unknown): void => {
    if (!isClear) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    // The grammar binds `||` and XOR tighter than a comparison, the server looser: `id = 1 || 1`
    // is `(id = 1) OR 1` upstream. A value holding a logical operator may not be a value at all.
    const operator = typeof value.operator === "string" ? value.operator.toUpperCase() : null;
    if (value.type === "binary_expr" && operator !== null && LOGICAL.has(operator)) {
      isClear = false;
      return;
    }
    if (value.type === "column_ref") {
      if (value.table === null || value.table === undefined || namesTarget(String(value.table), target))
        isClear = false;
      return;
    }
    if (Array.isArray(value.tableList)) {
      const named = target.table.name.toLowerCase();
      if (value.tableList.some((entry) => String(entry).toLowerCase().endsWith(`::${named}`)))
        isClear = false;
    }
    // A table named in a subquery's FROM, however its list above was written.
    if (
      typeof value.table === "string" &&
      value.table.toLowerCase() === target.table.name.toLowerCase() &&
      "as" in value
    )
      isClear = false;
    for (const child of Object.values(value)) visit(child);
  };
  visit(node);
  return isClear;
}
