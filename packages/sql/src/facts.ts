/**
 * What a statement does, derived from PostgreSQL's own parse tree. Protocol-agnostic: the policy
 * engine decides on these facts, never on SQL text.
 */

/** A relation as written (`schema` null when unqualified) and where the server could find it. */
export type TableRef = {
  schema: string | null;
  name: string;
  /** The alias it was given (`FROM employees e`), so whole-row references like `e` are recognised. */
  alias?: string;
};

/**
 * A function or operator as the server looks it up: the exact name (the parser has already folded
 * unquoted names; a quoted one keeps its case and any dot), and the schema when the call names one.
 */
export type RoutineRef = { schema: string | null; name: string };

export type SettingChange = {
  name: string;
  /** The new value when it is a constant; null for RESET or a computed value. */
  value: string | null;
  via: "SET" | "RESET" | "set_config" | "transaction" | "pg_settings";
};

/**
 * A table `CREATE TABLE` makes with nothing tying its writes to another relation (see
 * plain-table.ts): where it is (`pg_temp` for a temporary one, else the schema as written) and the
 * types of its columns, whose input functions and domain checks run on every write.
 */
export type PlainTable = {
  schema: string | null;
  name: string;
  isTemporary: boolean;
  columnTypes: RoutineRef[];
};

export type StatementFacts = {
  /** The outermost statement's kind, e.g. SELECT, DELETE, DROP, SET. */
  kind: string;
  /** Every statement kind that runs, nested ones included (writable CTEs, EXPLAIN ANALYZE, PREPARE ...). */
  kinds: string[];
  tablesRead: TableRef[];
  tablesWritten: TableRef[];
  /** Lower-case function names as called; schema-qualified when the call was. */
  functions: string[];
  /** Every function call, its name exactly as the server reads it (see RoutineRef). */
  functionCalls: RoutineRef[];
  /** Every operator an expression names (`OPERATOR(schema.op)` keeps its schema). */
  operators: RoutineRef[];
  /**
   * Every type an expression casts to (`x::t`, `CAST(x AS t)`), its name as written: a user type's
   * input function or a user cast function runs there. Absent from producers that do not read casts.
   */
  typeCasts?: RoutineRef[];
  /**
   * UPDATEs and DELETEs (MERGE actions too) whose condition does not limit the target's rows: no
   * WHERE, or one that names no column of the target (see write-scope.ts for what counts).
   */
  unscopedWrites: Array<{
    kind: "UPDATE" | "DELETE";
    table: TableRef;
    /** Why it is unscoped, in words, when there is a condition that does not count. */
    reason?: string;
  }>;
  settings: SettingChange[];
  /** Columns named anywhere (`table.column` when qualified); input for masking and strict mode. */
  columns: string[];
  /**
   * The same columns by the clause that uses them: select, where, join, group, having, order,
   * window, aggregate, set, returning, values, other. An inference oracle (an exact predicate on an
   * SSN) shows up here as a masked column in `where`.
   */
  columnsByClause: Record<string, string[]>;
  /** Constructs the engine cannot see into or does not model, each with the reason. */
  opaque: Array<{ construct: string; reason: string }>;
  /** For PREPARE: the name; for EXECUTE/DEALLOCATE: the prepared statement referred to. */
  preparedName?: string;
  /** COPY to or from the server's files or a program. */
  serverFileAccess?: "file" | "program";
  /**
   * ORDER BY, GROUP BY or DISTINCT ON holds a constant, which may name a result column by position
   * (`DISTINCT ON (2)`, `ROLLUP (2)`): the normalizer replaces some of those with `$n`, so facts of
   * one such text never stand for another of the same shape.
   */
  readsPositions?: true;
  /**
   * Whose grammar produced these facts; absent for PostgreSQL. Function names are judged by that
   * server's built-ins (MySQL has no search path for functions).
   */
  dialect?: "mysql";
  /**
   * DROP … CASCADE: what depends on the dropped objects goes too (a rule or row security policy of
   * another table that reads a dropped view). Without it the server refuses a drop anything depends on.
   */
  dropsDependents?: true;
  /** For a top-level CREATE TABLE of a plain table: the table (see PlainTable). */
  plainTable?: PlainTable;
  /** START TRANSACTION/BEGIN/SET ... READ WRITE. */
  requestsReadWrite: boolean;
  /**
   * Where the statement's first token starts in the message text, in bytes of its UTF-8 encoding
   * (libpg-query counts bytes, as the server's parser does): the text before it is the statements
   * that run first. Set for top-level statements only.
   */
  byteOffset?: number;
};

export type ParsedStatements =
  | { ok: true; statements: StatementFacts[] }
  | {
      ok: false;
      error: string;
      position: number | null;
      /** Where PostgreSQL's parser raised the error (its source file, line and routine), when known. */
      source?: { file: string; line: number; routine: string };
    };
