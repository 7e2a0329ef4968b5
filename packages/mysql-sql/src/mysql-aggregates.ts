import { type AstNode, isNode, nameText } from "./ast-walk";

/**
 * MariaDB/MySQL aggregate functions by name. The grammar reads most as `aggr_func` nodes, but some
 * (JSON_ARRAYAGG, JSON_OBJECTAGG, the BIT_ and statistics ones) as plain calls: the name decides.
 * @see https://mariadb.com/kb/en/aggregate-functions/
 */
const MYSQL_AGGREGATE_NAMES: ReadonlySet<string> = new Set([
  "avg",
  "bit_and",
  "bit_or",
  "bit_xor",
  "count",
  "group_concat",
  "json_arrayagg",
  "json_objectagg",
  "max",
  "min",
  "std",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "sum",
  "var_pop",
  "var_samp",
  "variance",
]);

/** A call node of the MariaDB tree: whether it aggregates rows, and whether it runs over a window. */
export function callKind(node: AstNode): { isWindow: boolean; isAggregate: boolean } | null {
  if (node.type !== "function" && node.type !== "aggr_func" && node.type !== "window_func") return null;
  const name =
    isNode(node.name) && Array.isArray(node.name.name)
      ? node.name.name.map(nameText).join(".")
      : nameText(node.name);
  return {
    isWindow: node.type === "window_func" || isNode(node.over),
    isAggregate: node.type === "aggr_func" || MYSQL_AGGREGATE_NAMES.has((name ?? "").toLowerCase()),
  };
}
