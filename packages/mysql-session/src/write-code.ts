import {
  type OwnerCodeReading,
  readColumnExpression,
  readTriggerBody,
} from "@sluice/mysql-sql/owner-code-reading";
import { readMySql } from "@sluice/mysql-sql/parse";
import { LEXING_SQL_MODES } from "@sluice/mysql-sql/pinned-modes";
import type { RelationCatalog, RelationColumns } from "@sluice/sql/column-lineage";
import type { RelationKind } from "./upstream-catalog";

/** One trigger as information_schema.TRIGGERS lists it. */
export type TriggerRow = {
  schema: string;
  trigger: string;
  table: string;
  timing: string;
  event: string;
  /**
   * Null when the login may not read it: MariaDB lists every trigger but shows ACTION_STATEMENT
   * only to a login holding TRIGGER on the table.
   */
  body: string | null;
  /**
   * The sql_mode the trigger was created under: the server reads its body under that mode at
   * every run, whatever the session's (`"ssn"` is a column under ANSI_QUOTES, a string without).
   */
  sqlMode?: string;
};

/**
 * One column whose value the server computes on a write (information_schema.COLUMNS): its
 * generation expression, its DEFAULT (as the server prints it: `NULL`, a quoted literal, or an
 * expression) and EXTRA (`on update current_timestamp()`).
 */
export type ColumnCodeRow = {
  schema: string;
  table: string;
  column: string;
  defaultValue: string | null;
  generation: string | null;
  extra: string;
};

/** One view's definition, for the relations a write through it reaches. */
export type WrittenViewRow = { schema: string; view: string; definition: string | null };

/**
 * One piece of the table owner's code a write runs: a trigger, a generated column, a DEFAULT or
 * ON UPDATE expression, or — for a view — the tables a write through it reaches. `fills` is the
 * column whose value the piece computes (a masked column may be computed from masked columns).
 */
export type WriteCodePiece = {
  kind: "trigger" | "column" | "view";
  source: string;
  /** The relation it belongs to, as `schema.table`. */
  via: string;
  reading: OwnerCodeReading;
  fills: string | null;
};

/** `schema.table` (lower-cased) → the code a write to it runs; relations with none are absent. */
export type WriteCodeTraces = ReadonlyMap<string, readonly WriteCodePiece[]>;

/** Why a body the server withholds counts as unreadable (it may write, or read, anything). */
const HIDDEN_BODY =
  "the server withholds its body from the brokered login, which lacks the TRIGGER privilege on the table";

/** EXTRA's ON UPDATE clause: the expression the server computes on every UPDATE of the row. */
const ON_UPDATE = "on update ";

/**
 * The upstream's write code, read once per catalog read (each body parsed here, judged per
 * statement against the masking rules then in force). A name in the code is resolved against the
 * catalog's relations; one it does not know is unknown (judged to read anything).
 */
export function traceWriteCode(
  relations: ReadonlyMap<string, RelationKind>,
  triggers: readonly TriggerRow[],
  columns: readonly ColumnCodeRow[],
  views: readonly WrittenViewRow[],
): WriteCodeTraces {
  const traces = new Map<string, WriteCodePiece[]>();
  const add = (schema: string, table: string, piece: Omit<WriteCodePiece, "via">) => {
    const key = `${schema}.${table}`.toLowerCase();
    traces.set(key, [...(traces.get(key) ?? []), { ...piece, via: `${schema}.${table}` }]);
  };
  for (const row of triggers) {
    const on = { schema: row.schema, table: row.table };
    add(row.schema, row.table, {
      kind: "trigger",
      source: `trigger ${row.trigger} (${row.timing} ${row.event})`,
      reading:
        row.body === null
          ? { isReadable: false, why: HIDDEN_BODY }
          : (lexingModeOf(row.sqlMode) ?? readTriggerBody(row.body, on, catalogIn(row.schema, relations))),
      fills: null,
    });
  }
  for (const row of columns) {
    const on = { schema: row.schema, table: row.table };
    const catalog = catalogIn(row.schema, relations);
    const expressions: Array<[string, string]> = [];
    if (row.generation !== null) expressions.push([`generated column ${row.column}`, row.generation]);
    else if (row.defaultValue !== null && !isLiteral(row.defaultValue))
      expressions.push([`the DEFAULT of column ${row.column}`, row.defaultValue]);
    const onUpdate = row.extra.toLowerCase().indexOf(ON_UPDATE);
    if (onUpdate >= 0)
      expressions.push([
        `the ON UPDATE of column ${row.column}`,
        row.extra.slice(onUpdate + ON_UPDATE.length),
      ]);
    for (const [source, expression] of expressions) {
      add(row.schema, row.table, {
        kind: "column",
        source,
        reading: readColumnExpression(expression, on, catalog),
        fills: row.column,
      });
    }
  }
  for (const row of views) {
    add(row.schema, row.view, {
      kind: "view",
      source: `view ${row.view}, whose tables' code runs with a write through it`,
      reading: viewReaches(row),
      fills: null,
    });
  }
  return traces;
}

/**
 * The modes under which the server reads a stored body otherwise than Sluice does. IGNORE_SPACE
 * is not among them: it only lets `name (` be a call as well as `name(`, and Sluice's grammar
 * reads both as a call already (mysql2 and other clients that ask for CLIENT_IGNORE_SPACE leave it
 * in every trigger they create).
 */
const BODY_LEXING_MODES = LEXING_SQL_MODES.filter((mode) => mode !== "IGNORE_SPACE");

/** A body created under one of those modes is unreadable: the server reads it another way. */
function lexingModeOf(sqlMode: string | undefined): OwnerCodeReading | null {
  if (sqlMode === undefined) return null;
  const flags = sqlMode.toUpperCase().split(",");
  const flag = BODY_LEXING_MODES.find((mode) => flags.includes(mode));
  if (!flag) return null;
  return {
    isReadable: false,
    why: `it was created under sql_mode ${flag}, under which the server reads its body otherwise than Sluice does`,
  };
}

/**
 * A write through a view writes its tables (their triggers run); the view's definition is read for
 * the relations it names, each judged as written. A definition Sluice cannot read reaches anything.
 */
function viewReaches(row: WrittenViewRow): OwnerCodeReading {
  if (!row.definition) return { isReadable: false, why: "its definition is not visible (no SHOW VIEW)" };
  const { parsed } = readMySql(row.definition);
  if (!parsed.ok) return { isReadable: false, why: parsed.error };
  const writes = parsed.statements.flatMap((facts) =>
    facts.tablesRead.map((table) => ({ schema: table.schema ?? row.schema, table: table.name })),
  );
  return { isReadable: true, reads: { isUnknown: false, columns: [] }, calls: [], writes };
}

/**
 * A DEFAULT the server prints as a constant runs nothing: NULL, a number, a quoted string without
 * backslashes. Anything else is read as an expression.
 */
function isLiteral(value: string): boolean {
  return value === "NULL" || /^-?\d+(\.\d+)?$/.test(value) || /^'(?:[^'\\]|'')*'$/.test(value);
}

/**
 * Names in the owner's code resolve in its own database; a relation the catalog does not know, or
 * a system relation, is unknown (its columns may be anything).
 */
function catalogIn(schema: string, relations: ReadonlyMap<string, RelationKind>): RelationCatalog {
  return {
    relationsNamed: (named, name): RelationColumns[] | null => {
      const database = named ?? schema;
      const kind = relations.get(`${database}.${name}`.toLowerCase());
      if (kind === undefined || kind === "system") return null;
      return [{ schema: database, table: name, columns: null }];
    },
  };
}
