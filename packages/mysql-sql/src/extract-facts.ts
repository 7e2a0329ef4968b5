import type { SettingChange, StatementFacts, TableRef } from "@sluice/sql/facts";
import { type AstNode, callsOf, columnsOf, isNode, nameText, nodesOf, tablesOf } from "./ast-walk";
import { PINNED_VARIABLES } from "./pinned-modes";
import { MYSQL_CREATE_KINDS, MYSQL_STATEMENT_KINDS, MYSQL_TRANSACTION_KINDS } from "./statement-kinds";
import { triggerBodySettings } from "./trigger-settings";
import { whyUnlimitedMySql } from "./write-scope";

/** Thrown for a statement Sluice refuses to read at all (a pinned variable changed). */
export class RefusedStatement extends Error {}

/** Kinds that write the tables they name; every other kind reads them. */
const WRITING_TYPES = new Set([
  "insert",
  "replace",
  "update",
  "delete",
  "truncate",
  "drop",
  "alter",
  "rename",
  "create",
  "load_data",
]);

/**
 * One MySQL statement's facts in the shape the PostgreSQL path gives the policy engine, so the same
 * rules (kinds, tables, columns, functions, MISSING_WHERE, READ_ONLY) apply unchanged.
 */
export function extractMySqlFacts(ast: AstNode): StatementFacts {
  const type = typeof ast.type === "string" ? ast.type : "(unknown)";
  const kind = kindOf(ast, type);
  const opaque: StatementFacts["opaque"] = [];
  if (!MYSQL_STATEMENT_KINDS.has(type) && type !== "create") {
    opaque.push({ construct: `${type.toUpperCase()} statement`, reason: "Sluice does not model it yet" });
  }
  if (type === "call") {
    opaque.push({ construct: "CALL", reason: "a stored procedure runs SQL the gateway cannot see" });
  }
  const tables = dedupe([...namedTables(ast, type), ...describedTable(ast)]);
  // The grammar misreads some modifiers as names (`DELETE QUICK IGNORE FROM t` names "QUICK"), so
  // writes over-report: an INSERT writes its target, every other writing kind all it names.
  const isWrite = WRITING_TYPES.has(type);
  const targets = type === "insert" || type === "replace" ? tablesOf(ast.table) : [];
  const tablesWritten = isWrite ? (targets.length > 0 ? targets : tables) : [];
  // Reads over-report too (a CTE's name, a multi-table write's targets): a rule sees more, never less.
  const tablesRead = readOutsideTarget(ast, type) ?? tables;
  const functionCalls = callsOf(ast);
  const where = "where" in ast ? columnsOf(ast.where) : [];
  const selected = "columns" in ast ? columnsOf(ast.columns) : [];
  const columns = columnsOf(ast);
  const kinds = type === "replace" ? ["INSERT", "DELETE"] : [kind];
  if (type === "select" && nestedWrites(ast)) kinds.push("INSERT");
  return {
    kind,
    kinds,
    tablesRead,
    tablesWritten,
    functions: functionCalls.map((call) => (call.schema ? `${call.schema}.${call.name}` : call.name)),
    functionCalls,
    operators: [],
    unscopedWrites: unscopedWrites(ast, type, tablesWritten),
    settings: settingsOf(ast, type),
    columns,
    columnsByClause: {
      select: selected,
      where,
      other: columns.filter((c) => !selected.includes(c) && !where.includes(c)),
    },
    opaque,
    ...(serverFile(ast, type) ? { serverFileAccess: "file" as const } : {}),
    requestsReadWrite: requestsReadWrite(ast, type),
    dialect: "mysql",
  };
}

/**
 * The tables an UPDATE or DELETE writes whose rows its WHERE does not limit (see write-scope.ts),
 * and a TRUNCATE's tables: it removes every row, so a rule on DELETE refuses it, as on Postgres.
 */
function unscopedWrites(
  ast: AstNode,
  type: string,
  tablesWritten: TableRef[],
): StatementFacts["unscopedWrites"] {
  if (type === "truncate")
    return tablesOf(ast.name).map((table) => ({
      kind: "DELETE",
      table,
      reason: "is a TRUNCATE, which removes every row (no WHERE clause can limit it)",
    }));
  if (type !== "update" && type !== "delete") return [];
  const kind = type === "update" ? "UPDATE" : "DELETE";
  const named = type === "delete" ? ast.from : ast.table;
  const isOnlyTable = Array.isArray(named) && named.length === 1 && !named[0]?.join;
  const refnames = outerEntries(ast, type).map(refnameOf);
  const out: StatementFacts["unscopedWrites"] = [];
  for (const table of writeTargets(ast, type) ?? tablesWritten) {
    if (!ast.where) {
      out.push({ kind, table });
      continue;
    }
    // `DELETE e FROM employees e, departments employees WHERE employees.id = 1`: the alias hides
    // the table's name, and a qualifier two tables answer to names neither for sure.
    const own = refnameOf(table);
    const qualifier = refnames.filter((refname) => refname === own).length > 1 ? null : own;
    const reason = whyUnlimitedMySql(ast.where, { table, isOnlyTable, qualifier });
    if (reason !== null) out.push({ kind, table, reason });
  }
  return out;
}

/**
 * The tables an UPDATE or DELETE really writes, from its own table list (the tables its
 * subqueries read are not written); null when they cannot be placed (every named table then is).
 */
function writeTargets(ast: AstNode, type: string): TableRef[] | null {
  const listed = type === "delete" ? ast.from : ast.table;
  if (!Array.isArray(listed) || !listed.every(isNode)) return null;
  const entries = outerEntries(ast, type);
  if (entries.length === 1) return entries;
  const byRefname = (ref: unknown) => entries.find((entry) => refnameOf(entry) === String(ref).toLowerCase());
  // DELETE t1, t2 FROM …: the names before FROM; UPDATE a, b SET a.x = …: the qualifiers in SET.
  const refs =
    type === "delete"
      ? (Array.isArray(ast.table) ? ast.table : []).map((entry) => (isNode(entry) ? entry.table : null))
      : (Array.isArray(ast.set) ? ast.set : []).map((entry) => (isNode(entry) ? entry.table : null));
  if (refs.length === 0 || refs.some((ref) => typeof ref !== "string")) return entries;
  const targets = refs.map(byRefname);
  return targets.every((target) => target !== undefined) ? (targets as TableRef[]) : entries;
}

/** The tables of an UPDATE's or DELETE's own block (its FROM, joins included), as written. */
function outerEntries(ast: AstNode, type: string): TableRef[] {
  const listed = type === "delete" ? ast.from : type === "update" ? ast.table : null;
  if (!Array.isArray(listed)) return [];
  return listed.filter(isNode).map((entry) => ({
    schema: typeof entry.db === "string" ? entry.db : null,
    name: String(entry.table),
    ...(typeof entry.as === "string" ? { alias: entry.as } : {}),
  }));
}

/** The name a table answers to in its block: its alias hides its name. */
function refnameOf(table: TableRef): string {
  return (table.alias ?? table.name).toLowerCase();
}

/**
 * A single-table write reads only what its values, conditions and subqueries name, as PostgreSQL's
 * facts have it (`UPDATE t SET a = 1 WHERE id = 2` reads no table): the target counts as read only
 * when one of those names it again. Null for every other statement (all it names is read).
 */
function readOutsideTarget(ast: AstNode, type: string): TableRef[] | null {
  const parts: Record<string, string[]> = {
    update: ["set", "where", "orderby", "limit"],
    delete: ["where", "orderby", "limit"],
    insert: ["values", "set", "on_duplicate_update", "select"],
    replace: ["values", "set", "select"],
  };
  const clauses = parts[type];
  const targets = type === "delete" ? ast.from : ast.table;
  if (!clauses || !Array.isArray(targets) || targets.length !== 1 || ast.with) return null;
  if (type === "delete" && Array.isArray(ast.table) && ast.table.length > 1) return null;
  return clauses.flatMap((clause) => tablesOf(ast[clause]));
}

function kindOf(ast: AstNode, type: string): string {
  if (type === "create") {
    const keyword = typeof ast.keyword === "string" ? ast.keyword.toLowerCase() : "";
    return MYSQL_CREATE_KINDS[keyword] ?? `CREATE ${keyword.toUpperCase()}`.trim();
  }
  if (type === "transaction" && isNode(ast.expr) && isNode(ast.expr.action)) {
    const word = nameText(ast.expr.action)?.toLowerCase() ?? "";
    return MYSQL_TRANSACTION_KINDS[word] ?? "TRANSACTION";
  }
  return MYSQL_STATEMENT_KINDS.get(type) ?? type.toUpperCase();
}

/**
 * Every table the statement names. `DELETE e FROM employees e`: a target written by an alias of the
 * DELETE's own FROM is the aliased table, not a table named e. Only there: an alias hides a table's
 * name in its own query block, so `DELETE FROM locked WHERE id IN (SELECT 1 FROM departments locked)`
 * still writes locked. A target that names nothing in the FROM stays, as written (the safe side).
 */
function namedTables(ast: AstNode, type: string): TableRef[] {
  if (type !== "delete" || !Array.isArray(ast.table) || !Array.isArray(ast.from)) return tablesOf(ast);
  const aliases = new Set(
    outerEntries(ast, type).flatMap((entry) => (entry.alias ? [entry.alias.toLowerCase()] : [])),
  );
  const targets = tablesOf(ast.table).filter(
    (target) => target.schema !== null || !aliases.has(target.name.toLowerCase()),
  );
  return [...targets, ...tablesOf({ ...ast, table: null })];
}

/** DESCRIBE names its table as a bare string. */
function describedTable(ast: AstNode): TableRef[] {
  return ast.type === "desc" && typeof ast.table === "string" ? [{ schema: null, name: ast.table }] : [];
}

/** `SELECT … INTO OUTFILE/DUMPFILE` writes a server file; LOAD DATA/XML reads one (LOCAL too). */
function serverFile(ast: AstNode, type: string): boolean {
  if (type === "load_data") return true;
  for (const node of nodesOf(ast)) {
    if (node.type === "into" && typeof node.keyword === "string" && /OUTFILE|DUMPFILE/i.test(node.keyword))
      return true;
  }
  return false;
}

/** A SELECT whose INTO creates a table is a write too (MariaDB has no SELECT INTO table, but be safe). */
function nestedWrites(ast: AstNode): boolean {
  return isNode(ast.into) && ast.into.keyword === "table";
}

/**
 * Session variables set; user variables (`@x`) are the session's own and not settings. A pinned
 * variable (sql_mode, the client character set) is refused outright: later statements would be
 * read differently by the server than by the gateway.
 */
function settingsOf(ast: AstNode, type: string): SettingChange[] {
  if (type === "use") {
    const db = nameText(ast.db);
    // The default database is where unqualified names resolve: MySQL's search path of one.
    return [{ name: "search_path", value: db, via: "SET" }];
  }
  if (type === "create") return triggerBodySettings(ast).map(refusingPinned);
  if (type !== "set") return [];
  const settings: SettingChange[] = [];
  for (const assign of Array.isArray(ast.expr) ? ast.expr : []) {
    if (!isNode(assign) || !isNode(assign.left)) continue;
    const variable = assign.left;
    if (variable.prefix === "@") continue;
    const parts = [
      nameText(variable.name),
      ...(Array.isArray(variable.members) ? variable.members.map(nameText) : []),
    ];
    const name = parts
      .filter((part): part is string => part !== null)
      .join(".")
      .toLowerCase()
      .replace(/^(session|local|global)\./, "");
    const value = isNode(assign.right) && typeof assign.right.value === "string" ? assign.right.value : null;
    settings.push(refusingPinned({ name, value, via: "SET" }));
  }
  return settings;
}

/** The setting, unless it is a pinned variable: then the whole statement is refused. */
function refusingPinned(setting: SettingChange): SettingChange {
  if (PINNED_VARIABLES.has(setting.name)) {
    throw new RefusedStatement(
      `${setting.name} is pinned by Sluice (sql_mode without ANSI_QUOTES/NO_BACKSLASH_ESCAPES, utf8mb4): another value would make the server read statements differently from the gateway`,
    );
  }
  return setting;
}

function requestsReadWrite(ast: AstNode, type: string): boolean {
  if (type !== "transaction" && type !== "set") return false;
  return JSON.stringify(ast).toLowerCase().includes("read write");
}

function key(table: TableRef): string {
  return `${table.schema ?? ""}.${table.name}`.toLowerCase();
}

function dedupe(tables: TableRef[]): TableRef[] {
  const seen = new Map<string, TableRef>();
  for (const table of tables) if (!seen.has(key(table))) seen.set(key(table), table);
  return [...seen.values()];
}
