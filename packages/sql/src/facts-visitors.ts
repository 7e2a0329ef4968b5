// What extractFacts records for the statement nodes that need more than a walk: MERGE, COPY,
// DROP, DDL, function calls, operators, column references and SET.

import { type Collector, type Node, walk } from "./extract-facts";
import type { RoutineRef, TableRef } from "./facts";
import {
  addTable,
  asArray,
  asNode,
  constantString,
  stringValue,
  tableKey,
  tableRef,
  walkExcept,
} from "./facts-nodes";
import { type WriteTarget, whyUnlimited, writeTarget } from "./write-scope";

const MERGE_COMMANDS: Record<string, "INSERT" | "UPDATE" | "DELETE"> = {
  CMD_INSERT: "INSERT",
  CMD_UPDATE: "UPDATE",
  CMD_DELETE: "DELETE",
};

/**
 * A MERGE runs an INSERT, UPDATE or DELETE per WHEN clause: each counts as that kind, and an
 * UPDATE or DELETE is unscoped unless its rows are limited by a condition on the target (see
 * write-scope.ts). For WHEN MATCHED that is the ON condition or the clause's own AND condition;
 * WHEN NOT MATCHED BY SOURCE acts on the target rows ON did not match, so only its AND condition
 * can limit them. A source that reads the target table matches the target to itself: ON then
 * limits nothing.
 */
export function visitMergeActions(node: Node, c: Collector, ctes: Set<string>): void {
  const relation = asNode(node["relation"]);
  const target = writeTarget(relation, [node["sourceRelation"]], node["withClause"], ctes);
  const onWhy = whyUnlimited(node["joinCondition"], target);
  for (const entry of asArray(node["mergeWhenClauses"])) {
    const clause = asNode(asNode(entry)["MergeWhenClause"]);
    const kind = MERGE_COMMANDS[String(clause["commandType"])];
    if (!kind) continue;
    c.kinds.add(kind);
    if (kind === "INSERT") continue;
    const isBySource = clause["matchKind"] === "MERGE_WHEN_NOT_MATCHED_BY_SOURCE";
    const andWhy =
      clause["condition"] === undefined ? "it has none" : whyUnlimited(clause["condition"], target);
    if ((!isBySource && onWhy === null) || andWhy === null) continue;
    const when = isBySource ? "WHEN NOT MATCHED BY SOURCE" : "WHEN MATCHED";
    const action = `(MERGE … ${when} THEN ${kind})`;
    c.unscoped.push({
      kind,
      table: tableRef(relation),
      reason: isBySource
        ? `${action} acts on every target row no source row matches, and the clause's AND condition does not limit them (${andWhy}). ${howToLimit(target)}`
        : `${action} is limited neither by ON (${onWhy}) nor by the clause's AND condition (${andWhy}). ${howToLimit(target)}`,
    });
  }
}

export function unlimitedWhere(target: WriteTarget, why: string): string {
  return `has a WHERE clause that does not limit its rows: ${why}. ${howToLimit(target)}`;
}

/** What to write instead, in the target's own names. */
function howToLimit(target: WriteTarget): string {
  const ref = target.refName;
  const column = target.isAlone ? "id" : `${ref}.id`;
  return `Compare a column of ${ref}, as it is, with values that do not come from ${ref} itself, e.g. ${column} = $1, ${column} IN (SELECT x.col FROM other_table x) or ${target.isAlone ? "" : `${ref}.`}created_at < now() - interval '30 days'`;
}

/** Statement-level WITH: non-recursive CTEs see earlier ones; recursive ones see all, themselves too. */
export function withCtes(node: Node, c: Collector, outer: Set<string>): Set<string> {
  const withClause = node["withClause"] ? asNode(node["withClause"]) : null;
  if (!withClause) return outer;
  const entries = asArray(withClause["ctes"]).map((entry) => asNode(asNode(entry)["CommonTableExpr"]));
  const names = entries.map((entry) => stringValue(entry["ctename"]));
  const isRecursive = withClause["recursive"] === true;
  const visible = new Set(outer);
  if (isRecursive) for (const name of names) visible.add(name);
  for (const [i, entry] of entries.entries()) {
    walk(entry["ctequery"], c, new Set(visible));
    visible.add(names[i] as string);
  }
  return visible;
}

export function visitCopy(node: Node, c: Collector, ctes: Set<string>): void {
  if (node["relation"])
    addTable(node["is_from"] === true ? c.written : c.read, asNode(node["relation"]), ctes);
  if (node["is_program"] === true) c.serverFileAccess = "program";
  else if (typeof node["filename"] === "string") c.serverFileAccess = "file";
  walk(node["query"], c, ctes);
  walk(node["whereClause"], c, ctes);
}

const DROPPED_RELATIONS = new Set([
  "OBJECT_TABLE",
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_FOREIGN_TABLE",
  "OBJECT_SEQUENCE",
  "OBJECT_INDEX",
]);

export function visitDrop(node: Node, c: Collector): void {
  if (node["behavior"] === "DROP_CASCADE") c.dropsDependents = true;
  if (!DROPPED_RELATIONS.has(String(node["removeType"]))) return;
  for (const object of asArray(node["objects"])) {
    const parts = asArray(asNode(asNode(object)["List"])["items"]).map((item) =>
      stringValue(asNode(asNode(item)["String"])["sval"]),
    );
    const name = parts.at(-1);
    if (!name) continue;
    const table: TableRef = { schema: parts.length > 1 ? (parts.at(-2) ?? null) : null, name };
    c.written.set(tableKey(table), table);
  }
}

/** DDL's target relation is written; anything else in it (a view's query, AS SELECT) is walked. */
export function visitDdl(node: Node, c: Collector, ctes: Set<string>): void {
  const into = node["into"] ? asNode(asNode(node["into"])["rel"]) : null;
  const target = node["relation"] ? asNode(node["relation"]) : node["view"] ? asNode(node["view"]) : into;
  if (target && "relname" in target) addTable(c.written, target, ctes);
  walkExcept(node, ["relation", "view", "into"], c, ctes);
}

/** `EXECUTE FUNCTION f()` of CREATE [EVENT] TRIGGER: f is a call like any other. */
export function visitTriggerFunction(node: Node, c: Collector): void {
  const parts = nameParts(node["funcname"]);
  if (parts.length === 0) return;
  c.functionCalls.push(routineRef(parts));
  c.functions.add(parts.map((part) => part.toLowerCase()).join("."));
}

export function visitFunctionCall(node: Node, c: Collector): string {
  const parts = nameParts(node["funcname"]);
  c.functionCalls.push(routineRef(parts));
  const name = parts.map((part) => part.toLowerCase()).join(".");
  c.functions.add(name);
  if (name === "set_config" || name === "pg_catalog.set_config") {
    const [setting, value] = asArray(node["args"]).map(constantString);
    c.settings.push({ name: setting?.toLowerCase() ?? "*", value: value ?? null, via: "set_config" });
  }
  return name;
}

/** `a`, `schema.a` or `database.schema.a` (the server refuses another database, and more parts). */
export function routineRef(parts: string[]): RoutineRef {
  return { schema: parts.length > 1 ? (parts.at(-2) ?? null) : null, name: parts.at(-1) ?? "" };
}

export function nameParts(list: unknown): string[] {
  return asArray(list).map((part) => stringValue(asNode(asNode(part)["String"])["sval"]));
}

/** A_Expr kinds whose `name` is not an operator: BETWEEN and its variants are rewritten to < and >. */
const NON_OPERATOR_EXPRESSIONS = new Set([
  "AEXPR_BETWEEN",
  "AEXPR_NOT_BETWEEN",
  "AEXPR_BETWEEN_SYM",
  "AEXPR_NOT_BETWEEN_SYM",
]);

/** The operator an expression, `x op ANY (subquery)` or `ORDER BY x USING op` names, if any. */
export function operatorOf(type: string, node: Node): RoutineRef | null {
  // Asked of every node: most are none of these, and leave before any list is read.
  if (type !== "A_Expr" && type !== "SubLink" && type !== "SortBy") return null;
  const list =
    type === "A_Expr" && !NON_OPERATOR_EXPRESSIONS.has(String(node["kind"]))
      ? node["name"]
      : type === "SubLink"
        ? node["operName"]
        : type === "SortBy"
          ? node["useOp"]
          : undefined;
  const parts = nameParts(list);
  return parts.length > 0 ? routineRef(parts) : null;
}

export function visitColumnRef(node: Node, c: Collector): void {
  const parts = asArray(node["fields"]).map((field) => {
    const text = asNode(field)["String"];
    return text ? stringValue(asNode(text)["sval"]) : "*";
  });
  const column = parts.join(".");
  c.columns.add(column);
  const inClause = c.byClause.get(c.clause) ?? new Set<string>();
  inClause.add(column);
  c.byClause.set(c.clause, inClause);
}

export function visitSet(node: Node, c: Collector): void {
  const kind = String(node["kind"]);
  const name = stringValue(node["name"]).toLowerCase();
  if (kind === "VAR_SET_MULTI") {
    // SET TRANSACTION ... / SET SESSION CHARACTERISTICS AS TRANSACTION ...
    if (hasReadWriteOption(node["args"])) c.requestsReadWrite = true;
    c.settings.push({
      name: name === "transaction" ? "transaction" : "session characteristics",
      value: null,
      via: "transaction",
    });
    return;
  }
  const isReset = kind === "VAR_RESET" || kind === "VAR_RESET_ALL" || kind === "VAR_SET_DEFAULT";
  const args = asArray(node["args"]).map(constantString);
  const value = isReset || args.some((arg) => arg === null) ? null : args.join(", ");
  c.settings.push({ name: kind === "VAR_RESET_ALL" ? "all" : name, value, via: isReset ? "RESET" : "SET" });
}

/** `transaction_read_only` set to false in BEGIN/START/SET TRANSACTION options means READ WRITE. */
export function hasReadWriteOption(options: unknown): boolean {
  return asArray(options).some((option) => {
    const element = asNode(asNode(option)["DefElem"]);
    if (element["defname"] !== "transaction_read_only") return false;
    const constant = asNode(asNode(element["arg"])["A_Const"]);
    const integer = constant["ival"] ? asNode(constant["ival"])["ival"] : undefined;
    return (integer ?? 0) === 0;
  });
}
