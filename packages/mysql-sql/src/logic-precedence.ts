/**
 * Where node-sql-parser's tree of a condition has a grouping the server does not run. The grammar
 * binds `||` and XOR tighter than AND/`&&`, NOT and even the comparisons; the server binds them
 * looser than all of those (… > comparisons > NOT > AND > XOR > OR = `||`).
 * `id = 1 AND 0 || 1` is `id = 1 AND (0 || 1)` in the tree and `(id = 1 AND 0) OR 1` upstream;
 * `id = 1 AND id = 2 || id <> 0` is `id = 1 AND ((id = (2 || id)) <> 0)` in the tree. So wherever
 * an unparenthesized `||` or XOR sits beneath any other operator (up to the nearest parentheses or
 * subquery), the grammar put it there and the tree's grouping is not the server's.
 *
 * Lineage and column lists do not depend on the grouping; whatever judges the condition's logic
 * (write-scope.ts) must not trust it, and fails closed instead of re-deriving it.
 *
 * @see https://mariadb.com/kb/en/operator-precedence/
 */
import { isNode } from "./ast-walk";

/** Operators the grammar binds tighter than the server does; with OR they are the loosest upstream. */
const LOOSE_ON_SERVER = new Set(["||", "XOR"]);
const LOOSEST = new Set(["OR", "||", "XOR"]);

/** Whether `condition` holds an unparenthesized `||` or XOR beneath another operator. */
export function hasMisgroupedLogic(condition: unknown): boolean {
  return isMisgrouped(condition, false);
}

/**
 * `isBeneathTighter`: an operator binding tighter than OR on the server encloses this node with no
 * parentheses in between.
 */
function isMisgrouped(value: unknown, isBeneathTighter: boolean): boolean {
  if (Array.isArray(value)) return value.some((item) => isMisgrouped(item, isBeneathTighter));
  if (!isNode(value)) return false;
  const operator = typeof value.operator === "string" ? value.operator.toUpperCase() : null;
  const isParenthesized = value.parentheses === true;
  const isOperator = (value.type === "binary_expr" || value.type === "unary_expr") && operator !== null;
  if (isOperator && LOOSE_ON_SERVER.has(operator) && !isParenthesized && isBeneathTighter) return true;
  // A subquery's or a call's own parentheses delimit what they hold.
  const isDelimited = value.type === "select" || value.type === "function" || value.type === "aggr_func";
  const passed = isDelimited
    ? false
    : (isOperator && !LOOSEST.has(operator)) || (isBeneathTighter && !isParenthesized);
  return Object.values(value).some((child) => typeof child === "object" && isMisgrouped(child, passed));
}
