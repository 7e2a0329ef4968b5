import { AGGREGATE_NAMES } from "./aggregates";
import { rememberTree } from "./column-lineage";
import type { RoutineRef, SettingChange, StatementFacts, TableRef } from "./facts";
import {
  definedKind,
  derivedKind,
  impliedKinds,
  STATEMENT_KINDS,
  transactionKind,
  UNMODELED_KINDS,
} from "./statement-kinds";
import { limitsTarget, type WriteTarget, writeTarget } from "./write-scope";

type Node = Record<string, unknown>;

/** Mutable accumulator for one top-level statement; discarded after `extractFacts` returns. */
type Collector = {
  kinds: Set<string>;
  read: Map<string, TableRef>;
  written: Map<string, TableRef>;
  functions: Set<string>;
  functionCalls: RoutineRef[];
  operators: RoutineRef[];
  typeCasts: RoutineRef[];
  unscoped: StatementFacts["unscopedWrites"];
  settings: SettingChange[];
  columns: Set<string>;
  byClause: Map<string, Set<string>>;
  /** The clause the walk is in now; set when it enters a clause's field. */
  clause: string;
  opaque: StatementFacts["opaque"];
  preparedName?: string;
  serverFileAccess?: "file" | "program";
  requestsReadWrite: boolean;
};

/**
 * Walks one statement's parse tree (libpg-query's JSON) and collects what it does. CTE names are
 * scoped the way the server scopes them, so a CTE called like a table never hides a real read of
 * that table elsewhere in the statement.
 */
export function extractFacts(statement: unknown): StatementFacts {
  const collector: Collector = {
    kinds: new Set(),
    read: new Map(),
    written: new Map(),
    functions: new Set(),
    functionCalls: [],
    operators: [],
    typeCasts: [],
    unscoped: [],
    settings: [],
    columns: new Set(),
    byClause: new Map(),
    clause: "other",
    opaque: [],
    requestsReadWrite: false,
  };
  const [topType] = Object.keys(asNode(statement));
  walk(statement, collector, new Set());
  for (const table of collector.written.values()) {
    // A write to the pg_settings view is SET by another name (its UPDATE calls set_config).
    if (table.name === "pg_settings" && (table.schema === null || table.schema === "pg_catalog"))
      collector.settings.push({ name: "*", value: null, via: "pg_settings" });
  }
  const kind = topType ? kindOf(topType, asNode(asNode(statement)[topType])) : "EMPTY";
  const facts: StatementFacts = {
    kind,
    kinds: [...collector.kinds],
    tablesRead: [...collector.read.values()],
    tablesWritten: [...collector.written.values()],
    functions: [...collector.functions],
    functionCalls: collector.functionCalls,
    operators: collector.operators,
    typeCasts: collector.typeCasts,
    unscopedWrites: collector.unscoped,
    settings: collector.settings,
    columns: [...collector.columns],
    columnsByClause: Object.fromEntries(
      [...collector.byClause].map(([clause, columns]) => [clause, [...columns]]),
    ),
    opaque: collector.opaque,
    requestsReadWrite: collector.requestsReadWrite,
  };
  if (collector.preparedName !== undefined) facts.preparedName = collector.preparedName;
  if (collector.serverFileAccess) facts.serverFileAccess = collector.serverFileAccess;
  // Column lineage depends on the catalog: it is resolved at decision time from the same tree.
  rememberTree(facts, statement);
  return facts;
}

function walk(value: unknown, c: Collector, ctes: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, c, ctes);
    return;
  }
  if (value === null || typeof value !== "object") return;
  // Some fields hold a RangeVar without its type wrapper; any relation not claimed as written is read.
  if (typeof (value as Node)["relname"] === "string") {
    addTable(c.read, value as Node, ctes);
    return;
  }
  // CALL holds its FuncCall without the type wrapper too.
  if (Array.isArray((value as Node)["funcname"]) && "funcformat" in (value as Node)) {
    visitNode("FuncCall", value as Node, c, ctes);
    return;
  }
  for (const [key, inner] of Object.entries(value as Node)) {
    if (isNodeType(key) && inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
      visitNode(key, inner as Node, c, ctes);
    } else {
      walkField(key, inner, c, ctes);
    }
  }
}

/** Fields that open a clause; `targetList` means SET in an UPDATE, the select list elsewhere. */
const CLAUSE_FIELDS: Record<string, string> = {
  targetList: "select",
  whereClause: "where",
  quals: "join",
  usingClause: "join",
  groupClause: "group",
  havingClause: "having",
  sortClause: "order",
  windowClause: "window",
  distinctClause: "select",
  returningList: "returning",
  returningClause: "returning",
  valuesLists: "values",
  limitCount: "other",
  limitOffset: "other",
  fromClause: "other",
};

function walkField(key: string, value: unknown, c: Collector, ctes: Set<string>, clause?: string): void {
  const previous = c.clause;
  const entered = clause ?? CLAUSE_FIELDS[key];
  if (entered) c.clause = entered;
  walk(value, c, ctes);
  c.clause = previous;
}

/**
 * The target of INSERT, UPDATE, DELETE and MERGE is always a real relation: the server does not let
 * a CTE of the same name hide it (`WITH secrets AS (…) DELETE FROM secrets` deletes from the table).
 */
const NO_CTES = new Set<string>();

function visitNode(type: string, node: Node, c: Collector, outerCtes: Set<string>): void {
  if (type.endsWith("Stmt")) {
    c.kinds.add(kindOf(type, node));
    for (const implied of impliedKinds(type, node)) c.kinds.add(implied);
  }
  const operator = operatorOf(type, node);
  if (operator) c.operators.push(operator);
  const ctes = withCtes(node, c, outerCtes);
  switch (type) {
    case "RangeVar":
      addTable(c.read, node, ctes);
      return;
    case "SelectStmt":
      // SELECT … INTO creates and fills a table: a write, whatever the statement's first keyword.
      if (node["intoClause"]) {
        c.kinds.add("SELECT INTO");
        addTable(c.written, asNode(asNode(node["intoClause"])["rel"]), ctes);
      }
      walkExcept(node, ["withClause", "intoClause"], c, ctes);
      return;
    case "InsertStmt":
      addTable(c.written, asNode(node["relation"]), NO_CTES);
      walkExcept(node, ["relation", "withClause"], c, ctes);
      return;
    case "UpdateStmt":
    case "DeleteStmt": {
      const relation = asNode(node["relation"]);
      addTable(c.written, relation, NO_CTES);
      const kind = type === "UpdateStmt" ? "UPDATE" : "DELETE";
      const others = type === "UpdateStmt" ? node["fromClause"] : node["usingClause"];
      const target = writeTarget(relation, others);
      if (node["whereClause"] === undefined) {
        c.unscoped.push({ kind, table: tableRef(relation) });
      } else if (!limitsTarget(node["whereClause"], target)) {
        c.unscoped.push({ kind, table: tableRef(relation), reason: unlimitedWhere(target) });
      }
      walkField("targetList", node["targetList"], c, ctes, "set");
      walkExcept(node, ["relation", "withClause", "targetList"], c, ctes);
      return;
    }
    case "MergeStmt":
      addTable(c.written, asNode(node["relation"]), NO_CTES);
      visitMergeActions(node, c);
      walkExcept(node, ["relation", "withClause"], c, ctes);
      return;
    case "CopyStmt":
      visitCopy(node, c, ctes);
      return;
    case "TruncateStmt":
      for (const relation of asArray(node["relations"]))
        addTable(c.written, asNode(asNode(relation)["RangeVar"]), ctes);
      return;
    case "DropStmt":
      visitDrop(node, c);
      return;
    case "AlterTableStmt":
    case "CreateStmt":
    case "IndexStmt":
    case "RenameStmt":
    case "CreateTableAsStmt":
    case "ViewStmt":
    case "RefreshMatViewStmt":
    case "CommentStmt":
    case "LockStmt":
      visitDdl(node, c, ctes);
      return;
    case "CreateTrigStmt":
      // The trigger's function runs on every write that fires it: judged as if called here.
      visitTriggerFunction(node, c);
      visitDdl(node, c, ctes);
      return;
    case "CreateEventTrigStmt":
      visitTriggerFunction(node, c);
      walkExcept(node, ["funcname"], c, ctes);
      return;
    case "TypeCast":
      // A cast runs the target type's input function or a cast function, maybe a user's.
      c.typeCasts.push(routineRef(nameParts(asNode(node["typeName"])["names"])));
      walkExcept(node, ["typeName"], c, ctes);
      return;
    case "FuncCall": {
      const name = visitFunctionCall(node, c);
      const inner = node["over"]
        ? "window"
        : AGGREGATE_NAMES.has(name.replace(/^pg_catalog\./, ""))
          ? "aggregate"
          : undefined;
      walkField("args", node["args"], c, ctes, inner);
      walkField("agg_filter", node["agg_filter"], c, ctes, inner);
      walkField("over", node["over"], c, ctes, "window");
      walkField("agg_order", node["agg_order"], c, ctes, inner);
      return;
    }
    case "ColumnRef":
      visitColumnRef(node, c);
      return;
    case "VariableSetStmt":
      visitSet(node, c);
      return;
    case "TransactionStmt":
      if (hasReadWriteOption(node["options"])) c.requestsReadWrite = true;
      return;
    case "PrepareStmt":
      c.preparedName = stringValue(node["name"]);
      walk(node["query"], c, ctes);
      return;
    case "ExecuteStmt":
    case "DeallocateStmt":
      c.preparedName = stringValue(node["name"]);
      walk(node["params"], c, ctes);
      return;
    case "DoStmt":
      c.opaque.push({ construct: "DO block", reason: "it runs procedural code the gateway cannot see into" });
      return;
    case "CreateFunctionStmt":
      c.opaque.push({
        construct: "function body",
        reason: "a function body is code the gateway cannot see into",
      });
      return;
    default:
      if (type.endsWith("Stmt") && !STATEMENT_KINDS.has(type)) {
        c.opaque.push({ construct: type, reason: "the gateway does not model this kind of statement" });
      }
      walkExcept(node, ["withClause"], c, ctes);
  }
}

const MERGE_COMMANDS: Record<string, "INSERT" | "UPDATE" | "DELETE"> = {
  CMD_INSERT: "INSERT",
  CMD_UPDATE: "UPDATE",
  CMD_DELETE: "DELETE",
};

/**
 * A MERGE runs an INSERT, UPDATE or DELETE per WHEN clause: each counts as that kind, and an
 * UPDATE or DELETE is unscoped unless its rows are limited by a condition naming the target. For
 * WHEN MATCHED that is the ON condition or the clause's own AND condition; WHEN NOT MATCHED BY
 * SOURCE acts on the target rows ON did not match, so only its AND condition can limit them.
 */
function visitMergeActions(node: Node, c: Collector): void {
  const relation = asNode(node["relation"]);
  const target = writeTarget(relation, [node["sourceRelation"]]);
  const isOnLimiting = limitsTarget(node["joinCondition"], target);
  for (const entry of asArray(node["mergeWhenClauses"])) {
    const clause = asNode(asNode(entry)["MergeWhenClause"]);
    const kind = MERGE_COMMANDS[String(clause["commandType"])];
    if (!kind) continue;
    c.kinds.add(kind);
    if (kind === "INSERT") continue;
    const isBySource = clause["matchKind"] === "MERGE_WHEN_NOT_MATCHED_BY_SOURCE";
    const isLimited =
      (!isBySource && isOnLimiting) ||
      (clause["condition"] !== undefined && limitsTarget(clause["condition"], target));
    if (isLimited) continue;
    const when = isBySource ? "WHEN NOT MATCHED BY SOURCE" : "WHEN MATCHED";
    const action = `(MERGE … ${when} THEN ${kind})`;
    c.unscoped.push({
      kind,
      table: tableRef(relation),
      reason: isBySource
        ? `${action} acts on every target row no source row matches, and the clause's AND condition names no column of ${target.refName}`
        : `${action} is limited neither by ON nor by the clause's AND condition naming a column of ${target.refName}`,
    });
  }
}

function unlimitedWhere(target: WriteTarget): string {
  return target.isAlone
    ? `has a WHERE clause that does not limit its rows (nothing it requires of a row names a column of ${target.refName})`
    : `has a WHERE clause that does not limit its rows (nothing it requires of a row names ${target.refName}.column; with FROM or USING, an unqualified name may be another table's)`;
}

/** Statement-level WITH: non-recursive CTEs see earlier ones; recursive ones see all, themselves too. */
function withCtes(node: Node, c: Collector, outer: Set<string>): Set<string> {
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

function visitCopy(node: Node, c: Collector, ctes: Set<string>): void {
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

function visitDrop(node: Node, c: Collector): void {
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
function visitDdl(node: Node, c: Collector, ctes: Set<string>): void {
  const into = node["into"] ? asNode(asNode(node["into"])["rel"]) : null;
  const target = node["relation"] ? asNode(node["relation"]) : node["view"] ? asNode(node["view"]) : into;
  if (target && "relname" in target) addTable(c.written, target, ctes);
  walkExcept(node, ["relation", "view", "into"], c, ctes);
}

/** `EXECUTE FUNCTION f()` of CREATE [EVENT] TRIGGER: f is a call like any other. */
function visitTriggerFunction(node: Node, c: Collector): void {
  const parts = nameParts(node["funcname"]);
  if (parts.length === 0) return;
  c.functionCalls.push(routineRef(parts));
  c.functions.add(parts.map((part) => part.toLowerCase()).join("."));
}

function visitFunctionCall(node: Node, c: Collector): string {
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
function routineRef(parts: string[]): RoutineRef {
  return { schema: parts.length > 1 ? (parts.at(-2) ?? null) : null, name: parts.at(-1) ?? "" };
}

function nameParts(list: unknown): string[] {
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
function operatorOf(type: string, node: Node): RoutineRef | null {
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

function visitColumnRef(node: Node, c: Collector): void {
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

function visitSet(node: Node, c: Collector): void {
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
function hasReadWriteOption(options: unknown): boolean {
  return asArray(options).some((option) => {
    const element = asNode(asNode(option)["DefElem"]);
    if (element["defname"] !== "transaction_read_only") return false;
    const constant = asNode(asNode(element["arg"])["A_Const"]);
    const integer = constant["ival"] ? asNode(constant["ival"])["ival"] : undefined;
    return (integer ?? 0) === 0;
  });
}

function addTable(into: Map<string, TableRef>, relation: Node, ctes: Set<string>): void {
  if (!("relname" in relation)) return;
  const table = tableRef(relation);
  if (table.schema === null && ctes.has(table.name)) return;
  into.set(tableKey(table), table);
}

function tableRef(relation: Node): TableRef {
  const table: TableRef = {
    schema: typeof relation["schemaname"] === "string" ? relation["schemaname"] : null,
    name: stringValue(relation["relname"]),
  };
  const alias = relation["alias"] ? stringValue(asNode(relation["alias"])["aliasname"]) : "";
  if (alias) table.alias = alias;
  return table;
}

function tableKey(table: TableRef): string {
  return `${table.schema ?? ""}.${table.name} ${table.alias ?? ""}`;
}

function kindOf(type: string, node: Node): string {
  if (type === "TransactionStmt") return transactionKind(String(node["kind"]));
  if (type === "VariableSetStmt") return String(node["kind"]).startsWith("VAR_RESET") ? "RESET" : "SET";
  if (type === "GrantStmt") return node["is_grant"] === true ? "GRANT" : "REVOKE";
  if (type === "FetchStmt") return node["ismove"] === true ? "MOVE" : "FETCH";
  if (type === "VacuumStmt") return node["is_vacuumcmd"] === true ? "VACUUM" : "ANALYZE";
  if (type === "DefineStmt") return definedKind(String(node["kind"]));
  return STATEMENT_KINDS.get(type) ?? UNMODELED_KINDS.get(type) ?? derivedKind(type);
}

/** A constant's text (strings, numbers, booleans), or null for anything computed. */
function constantString(value: unknown): string | null {
  const constant = asNode(value)["A_Const"];
  if (!constant) return null;
  const node = asNode(constant);
  if (node["sval"]) return stringValue(asNode(node["sval"])["sval"]);
  if (node["ival"]) return String(asNode(node["ival"])["ival"] ?? 0);
  if (node["fval"]) return stringValue(asNode(node["fval"])["fval"]);
  if (node["boolval"]) return asNode(node["boolval"])["boolval"] === true ? "on" : "off";
  return null;
}

function walkExcept(node: Node, skip: string[], c: Collector, ctes: Set<string>): void {
  for (const [key, value] of Object.entries(node)) if (!skip.includes(key)) walkField(key, value, c, ctes);
}

function isNodeType(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 65 && first <= 90;
}

function asNode(value: unknown): Node {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Node) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringValue(value: unknown): string {
  return typeof value === "string" ? value : "";
}
