// Column lineage of expressions, and the names the server gives result columns.
import { AGGREGATE_NAMES, callArgumentClause } from "./aggregates";
import { type Context, type Ctes, type Sources, statement } from "./column-lineage";
import { relationItem } from "./lineage-from";
import {
  asArray,
  asNode,
  columnRef,
  fieldText,
  type Level,
  NOTHING,
  type Node,
  stringValue,
  UNKNOWN,
  union,
} from "./lineage-namespace";
import { analyzeQuery } from "./lineage-query";

/**
 * The sources of an expression, recording each column reference under its clause. Aggregates and
 * window calls put their arguments in clauses of their own (an aggregate of an SSN is an oracle).
 */
export function expression(value: unknown, clause: string, scope: Level[], ctes: Ctes, cx: Context): Sources {
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
        const argClause = callArgumentClause(clause, {
          isWindow: Boolean(call["over"]),
          isAggregate: AGGREGATE_NAMES.has(name),
        });
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
export function figureName(value: Node): string | null {
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
export function functionName(value: unknown): string | null {
  const first = asNode(Array.isArray(value) ? value[0] : value);
  const call = first["FuncCall"]
    ? asNode(first["FuncCall"])
    : asNode(asNode(asArray(asNode(first["List"])["items"])[0])["FuncCall"]);
  const parts = asArray(call["funcname"]).map((part) =>
    stringValue(asNode(asNode(part)["String"])["sval"]).toLowerCase(),
  );
  return parts.at(-1) ?? null;
}

export function aliasName(alias: unknown): string | null {
  const node = asNode(asNode(alias)["Alias"] ?? alias);
  return typeof node["aliasname"] === "string" ? node["aliasname"] : null;
}
