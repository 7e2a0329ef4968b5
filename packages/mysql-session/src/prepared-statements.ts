import type { MaskingShape } from "@sluice/mysql-sql/masking-shape";
import type { Verdict } from "@sluice/policy/verdict";
import type { MaskingScope } from "./masking-scope";
import { ER_UNKNOWN_STMT_HANDLER, MySqlClientError } from "./mysql-client-error";
import type { OpenCursor } from "./result-tracker";

type AllowVerdict = Extract<Verdict, { kind: "allow" }>;

/**
 * A statement prepared through the gateway: its verdict masks every execution's rows. `version` is
 * the session decisions' version it was judged under (policy and name resolution): an execution
 * under another is judged again first, as the text it was prepared from.
 */
export type PreparedStatement = {
  verdict: AllowVerdict;
  shape: MaskingShape | null;
  sql: string;
  version: number;
  /** Running it may create, drop, alter or rename relations (catalog-changes.ts): each execution may. */
  mayChangeCatalog: boolean;
};

/**
 * A statement's open cursor: what its execution's result set looks like, how that execution was
 * masked, and under which masking rules (rows fetched later are masked by that same plan).
 */
export type StatementCursor = OpenCursor & { scope: MaskingScope; rulesKey: string };

/**
 * A long-data piece is recorded up to this many bytes (its length always): a parameter can be a
 * whole document, and the recording keeps what the agent did, not a copy of its uploads.
 */
export const MAX_RECORDED_PARAMETER_BYTES = 4096;

/** "The statement (N) has no open cursor": the server's own answer to such a fetch. */
export const ER_STMT_HAS_NO_OPEN_CURSOR = 1421;

/**
 * COM_STMT_EXECUTE's cursor types (read-only, for update, scrollable): any of them asks the server
 * to keep the result set for COM_STMT_FETCH.
 * @see https://mariadb.com/kb/en/com_stmt_execute/
 */
const CURSOR_TYPE_FLAGS = 0x07;

export function isCursorRequested(executeFlags: number): boolean {
  return (executeFlags & CURSOR_TYPE_FLAGS) !== 0;
}

/** The server's answer to a fetch without a cursor, given without asking it. */
export function noOpenCursor(statementId: number): MySqlClientError {
  return new MySqlClientError(
    ER_STMT_HAS_NO_OPEN_CURSOR,
    "HY000",
    `The statement (${statementId}) has no open cursor`,
  );
}

/** A fetch under other masking rules than its cursor was opened with: its plan is not theirs. */
export function cursorRulesChanged(): MySqlClientError {
  return MySqlClientError.refused(
    "the masking rules changed since this cursor was opened; execute the statement again to read its rows",
  );
}

export function unknownStatement(statementId: number): MySqlClientError {
  return new MySqlClientError(ER_UNKNOWN_STMT_HANDLER, "HY000", `unknown prepared statement ${statementId}`);
}

/**
 * The session's prepared statements and their cursors, by the server's statement id. A cursor's
 * state belongs to its statement: executing the statement again, resetting or closing it drops it,
 * as the server does, so a fetch is never masked by another execution's plan.
 */
export class PreparedStatements {
  private readonly statements = new Map<number, PreparedStatement>();
  private readonly cursors = new Map<number, StatementCursor>();

  get(statementId: number): PreparedStatement | undefined {
    return this.statements.get(statementId);
  }

  has(statementId: number): boolean {
    return this.statements.has(statementId);
  }

  add(statementId: number, statement: PreparedStatement): void {
    this.statements.set(statementId, statement);
    this.cursors.delete(statementId);
  }

  /** The statement judged again under a newer policy: its verdict from now on (its cursor stays). */
  rejudged(statementId: number, statement: PreparedStatement): void {
    if (this.statements.has(statementId)) this.statements.set(statementId, statement);
  }

  close(statementId: number): void {
    this.statements.delete(statementId);
    this.cursors.delete(statementId);
  }

  /** COM_RESET_CONNECTION: the server forgets every statement. */
  clear(): void {
    this.statements.clear();
    this.cursors.clear();
  }

  openCursor(statementId: number, cursor: StatementCursor): void {
    if (this.statements.has(statementId)) this.cursors.set(statementId, cursor);
  }

  cursorOf(statementId: number): StatementCursor | undefined {
    return this.cursors.get(statementId);
  }

  /** The statement is executed again, reset, or its cursor reached its end. */
  dropCursor(statementId: number): void {
    this.cursors.delete(statementId);
  }
}
