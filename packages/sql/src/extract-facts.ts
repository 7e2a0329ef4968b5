import { AGGREGATE_NAMES } from "./aggregates";
import { rememberTree } from "./column-lineage";
import type { PlainTable, RoutineRef, SettingChange, StatementFacts, TableRef } from "./facts";
import {
  addTable,
  asArray,
  asNode,
  isNodeType,
  kindOf,
  stringValue,
  tableRef,
  walkExcept,
} from "./facts-nodes";
import {
  hasReadWriteOption,
  nameParts,
  operatorOf,
  routineRef,
  unlimitedWhere,
  visitColumnRef,
  visitCopy,
  visitDdl,
  visitDrop,
  visitFunctionCall,
  visitMergeActions,
  visitSet,
  visitTriggerFunction,
  withCtes,
} from "./facts-visitors";
import { plainTableOf } from "./plain-table";
import { impliedKinds, STATEMENT_KINDS } from "./statement-kinds";
import { whyUnlimited, writeTarget } from "./write-scope";

export type Node = Record<string, unknown>;

/** Mutable accumulator for one top-level statement; discarded after `extractFacts` returns. */
export type Collector = {
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
  readsPositions?: true;
  plainTable?: PlainTable | null;
  dropsDependents?: true;
  requestsReadWrite: boolean;
};

/**
 * Walks one statement's parse tree (libpg-query's JSON) and collects what it does. CTE names are
 * scoped the way the server scopes them, so a CTE called like a table never hides a real read of
 * that table elsewhere in the statement.
 */
const isPgSettings = (table: TableRef): boolean =>
  table.name === "pg_settings" && (table.schema === null || table.schema === "pg_catalog");

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
    if (isPgSettings(table)) collector.settings.push({ name: "*", value: null, via: "pg_settings" });
  }
  // A view over pg_settings is written through to it: creating one makes a SET under another name,
  // which a later statement of the same message (before the catalog can show the view) could use.
  if (collector.kinds.has("CREATE VIEW") && [...collector.read.values()].some(isPgSettings))
    collector.settings.push({ name: "*", value: null, via: "pg_settings" });
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
  if (collector.readsPositions) facts.readsPositions = true;
  if (collector.dropsDependents) facts.dropsDependents = true;
  // Only the statement's own table: CREATE SCHEMA … CREATE TABLE is not a CREATE TABLE.
  if (collector.plainTable && kind === "CREATE TABLE" && facts.kinds.length === 1)
    facts.plainTable = collector.plainTable;
  // Column lineage depends on the catalog: it is resolved at decision time from the same tree.
  rememberTree(facts, statement);
  return facts;
}

/** Clauses where the server reads an integer constant as a result column's position. */
const POSITION_CLAUSES = ["sortClause", "groupClause", "distinctClause"];

/** Whether a constant appears anywhere below `value` (wider than positions alone: fail closed). */
function holdsConstant(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsConstant);
  if (value === null || typeof value !== "object") return false;
  for (const key in value as Node) {
    if (key === "A_Const" || holdsConstant((value as Node)[key])) return true;
  }
  return false;
}

export function walk(value: unknown, c: Collector, ctes: Set<string>): void {
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
  // `for…in`, not Object.entries: no array of pairs allocated per node of the tree (JSON.parse
  // makes plain objects with own properties only).
  for (const key in value as Node) {
    const inner = (value as Node)[key];
    // Locations, flags and names hold nothing to collect: no call for them.
    if (inner === null || typeof inner !== "object") continue;
    if (isNodeType(key) && !Array.isArray(inner)) {
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

export function walkField(
  key: string,
  value: unknown,
  c: Collector,
  ctes: Set<string>,
  clause?: string,
): void {
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

/**
 * Value nodes: a constant and its parts (`{"A_Const": {"ival": {"ival": 5}}}`), a name's piece. They
 * hold only primitives, never a relation, column, function, operator or statement, and they are
 * most of a tree's nodes: not walked into. A name's pieces are read where the name is
 * (`visitColumnRef`, `nameParts`), and a constant where it matters (`constantString`).
 */
const VALUE_NODES = new Set(["A_Const", "String", "Integer", "Float", "Boolean", "BitString"]);

function visitNode(type: string, node: Node, c: Collector, outerCtes: Set<string>): void {
  if (VALUE_NODES.has(type)) return;
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
      if (POSITION_CLAUSES.some((clause) => holdsConstant(node[clause]))) c.readsPositions = true;
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
      const target = writeTarget(relation, others, node["withClause"], ctes);
      const why = node["whereClause"] === undefined ? null : whyUnlimited(node["whereClause"], target);
      if (node["whereClause"] === undefined) {
        c.unscoped.push({ kind, table: tableRef(relation) });
      } else if (why !== null) {
        c.unscoped.push({ kind, table: tableRef(relation), reason: unlimitedWhere(target, why) });
      }
      walkField("targetList", node["targetList"], c, ctes, "set");
      walkExcept(node, ["relation", "withClause", "targetList"], c, ctes);
      return;
    }
    case "MergeStmt":
      addTable(c.written, asNode(node["relation"]), NO_CTES);
      visitMergeActions(node, c, ctes);
      walkExcept(node, ["relation", "withClause"], c, ctes);
      return;
    case "CopyStmt":
      visitCopy(node, c, ctes);
      return;
    case "TruncateStmt":
      for (const relation of asArray(node["relations"])) {
        const rangeVar = asNode(asNode(relation)["RangeVar"]);
        addTable(c.written, rangeVar, ctes);
        // TRUNCATE is a DELETE of every row: a rule that wants DELETEs limited refuses it too.
        c.unscoped.push({
          kind: "DELETE",
          table: tableRef(rangeVar),
          reason: "is a TRUNCATE, which removes every row (no WHERE clause can limit it)",
        });
      }
      return;
    case "DropStmt":
      visitDrop(node, c);
      return;
    case "CreateStmt":
      // The first CreateStmt met is the statement's own (a nested one, in CREATE SCHEMA, is not).
      if (c.plainTable === undefined) c.plainTable = plainTableOf(node);
      visitDdl(node, c, ctes);
      return;
    case "AlterTableStmt":
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
