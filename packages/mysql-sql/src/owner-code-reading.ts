import type { RelationCatalog, Sources } from "@sluice/sql/column-lineage";
import type { RoutineRef } from "@sluice/sql/facts";
import { type AstNode, isNode, nameText, nodesOf } from "./ast-walk";
import { mysqlLineage } from "./column-lineage";
import { isCompoundBody, splitCompoundBody } from "./compound-body";
import { union } from "./lineage-scope";
import { readMySql } from "./parse";
import { readAsServer } from "./server-lexing";

/** The table owner's code runs on: a trigger's table, a column's table. */
export type CodeTable = { schema: string; table: string };

/**
 * What a piece of the owner's code does when a write runs it, read with the agent's grammar and
 * lineage: every stored column it reads (`NEW.x`/`OLD.x` are the written row's columns), the
 * functions it calls, the relations it writes (whose own code runs in turn). `unreadable` says why
 * Sluice cannot tell (a loop, a cursor or dynamic SQL in a compound body, a stored procedure call,
 * anything the grammar cannot read): such code is judged to do anything.
 */
export type OwnerCodeReading =
  | {
      isReadable: true;
      reads: Sources;
      calls: readonly RoutineRef[];
      writes: readonly CodeTable[];
    }
  | { isReadable: false; why: string };

const UNKNOWN: Sources = { isUnknown: true, columns: [] };

/**
 * A trigger's ACTION_STATEMENT. MariaDB runs it with the written row as `NEW` and `OLD`;
 * unqualified names are in the trigger's database. A compound body (`BEGIN … END`) is split into
 * the statements and expressions the server runs inside it (`compound-body.ts`), each read as one
 * statement is, and what they read, call and write together is the body's. A local variable holds
 * only values the body computed from what it reads, every one of which is judged here, so a
 * reference to one reads nothing more; a name the body did not declare is read as a column.
 */
export function readTriggerBody(body: string, on: CodeTable, catalog: RelationCatalog): OwnerCodeReading {
  const lexed = readAsServer(body);
  if (lexed.ok && isCompoundBody(lexed.text)) {
    const split = splitCompoundBody(lexed.text);
    if (!split.ok) return { isReadable: false, why: split.why };
    const readings: OwnerCodeReading[] = [];
    for (const piece of split.pieces) {
      const text = piece.kind === "expression" ? `SELECT (${piece.text})` : piece.text;
      const reading = readBodyStatement(text, on, catalog, piece.locals);
      if (!reading.isReadable) return reading;
      if (piece.kind === "expression" && !reading.isExpression)
        return { isReadable: false, why: "an expression in it is not one expression Sluice can read" };
      readings.push(reading);
    }
    return {
      isReadable: true,
      reads: union(readings.flatMap((reading) => (reading.isReadable ? [reading.reads] : []))),
      calls: readings.flatMap((reading) => (reading.isReadable ? reading.calls : [])),
      writes: readings.flatMap((reading) => (reading.isReadable ? reading.writes : [])),
    };
  }
  return readBodyStatement(body, on, catalog, NO_LOCALS);
}

const NO_LOCALS: ReadonlySet<string> = new Set();

/** One statement the trigger runs, with the local variables in scope where it stands. */
function readBodyStatement(
  body: string,
  on: CodeTable,
  catalog: RelationCatalog,
  locals: ReadonlySet<string>,
): OwnerCodeReading & { isExpression?: boolean } {
  const { parsed, asts } = readMySql(body);
  if (!parsed.ok) return { isReadable: false, why: parsed.error };
  const [facts] = parsed.statements;
  const [ast] = asts;
  if (!facts || !ast || asts.length !== 1 || parsed.statements.length !== 1)
    return { isReadable: false, why: "it is not one statement Sluice can read" };
  const opaque = facts.opaque[0];
  if (opaque) return { isReadable: false, why: `${opaque.construct}: ${opaque.reason}` };
  const into = intoTarget(ast);
  if (into) return { isReadable: false, why: into };
  // An alias or table named new/old would make `new.x` ambiguous to this reading: not followed.
  const named = [...facts.tablesRead, ...facts.tablesWritten].flatMap((table) => [table.name, table.alias]);
  if (named.some((name) => name !== undefined && ROW_NAMES.has(name.toLowerCase())))
    return { isReadable: false, why: "it names a relation or alias NEW or OLD" };
  const lineage = mysqlLineage(ast, catalog);
  const reads: Sources[] = [];
  for (const reference of lineage.references) {
    // A variable's reference is read from the tree below, where NEW.x and @v can be told apart.
    if (reference.text === "(variable)") continue;
    if (reference.sources.isUnknown && locals.has(reference.text.toLowerCase())) continue;
    const rowColumn = reference.sources.isUnknown ? rowColumnOf(reference.text, on) : null;
    reads.push(rowColumn ?? reference.sources);
  }
  reads.push(...variablesOf(ast, on, locals));
  const isExpression =
    facts.kind === "SELECT" && facts.kinds.length === 1 && lineage.outputs?.length === 1 && ast.from == null;
  return {
    isReadable: true,
    reads: union(reads),
    calls: facts.functionCalls,
    writes: facts.tablesWritten.map((table) => ({ schema: table.schema ?? on.schema, table: table.name })),
    isExpression,
  };
}

/**
 * `SELECT … INTO` in a body may fill variables only: into a file (OUTFILE, DUMPFILE) it would
 * write where no masking follows. Why it is refused, or null.
 */
function intoTarget(ast: AstNode): string | null {
  const into = ast.into;
  if (!isNode(into) || into.position == null) return null;
  const keyword = typeof into.keyword === "string" ? into.keyword.toLowerCase() : null;
  if (keyword === null || keyword === "var") return null;
  return `SELECT … INTO ${keyword.toUpperCase()} writes a file on the server`;
}

/**
 * A column's generation expression, DEFAULT expression or ON UPDATE expression
 * (information_schema.COLUMNS, as the server prints it), read as the one output of a SELECT from
 * its own table, so its column names resolve as the server resolves them.
 */
export function readColumnExpression(
  expression: string,
  on: CodeTable,
  catalog: RelationCatalog,
): OwnerCodeReading {
  const table = `${quoteName(on.schema)}.${quoteName(on.table)}`;
  const { parsed, asts } = readMySql(`SELECT (${expression}) FROM ${table}`);
  if (!parsed.ok) return { isReadable: false, why: parsed.error };
  const [facts] = parsed.statements;
  const [ast] = asts;
  if (!facts || !ast || asts.length !== 1 || facts.kind !== "SELECT" || facts.kinds.length !== 1)
    return { isReadable: false, why: "it is not one expression Sluice can read" };
  const opaque = facts.opaque[0];
  if (opaque) return { isReadable: false, why: `${opaque.construct}: ${opaque.reason}` };
  const outputs = mysqlLineage(ast, catalog).outputs;
  if (outputs?.length !== 1) return { isReadable: false, why: "it is not one expression" };
  return { isReadable: true, reads: outputs[0] ?? UNKNOWN, calls: facts.functionCalls, writes: [] };
}

const ROW_NAMES = new Set(["new", "old"]);

/** `NEW.x` / `OLD.x` as the lineage printed a reference it could not place: the written row's x. */
function rowColumnOf(text: string, on: CodeTable): Sources | null {
  const at = text.indexOf(".");
  if (at < 0 || !ROW_NAMES.has(text.slice(0, at).toLowerCase())) return null;
  const column = text.slice(at + 1);
  if (column === "" || column.includes(".")) return null;
  return { isUnknown: false, columns: [{ schema: on.schema, table: on.table, column }] };
}

/**
 * Variables in the body: `NEW.x`/`OLD.x` (as SET's targets and values) are the row's columns; a
 * user or system variable may hold anything.
 */
function variablesOf(ast: AstNode, on: CodeTable, locals: ReadonlySet<string>): Sources[] {
  const found: Sources[] = [];
  for (const node of nodesOf(ast)) {
    if (node.type !== "var") continue;
    const name = nameText(node.name);
    const members = Array.isArray(node.members) ? node.members : [];
    const [member] = members;
    const isRowColumn =
      !node.prefix && name !== null && ROW_NAMES.has(name.toLowerCase()) && members.length === 1;
    const column = isRowColumn ? nameText(member) : null;
    // A local variable (SET v = …): what it is given is read where it is given.
    if (!node.prefix && name !== null && members.length === 0 && locals.has(name.toLowerCase())) continue;
    found.push(
      column !== null
        ? { isUnknown: false, columns: [{ schema: on.schema, table: on.table, column }] }
        : UNKNOWN,
    );
  }
  return found;
}

function quoteName(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}
