import type { MaskingShape } from "@sluice/mysql-sql/masking-shape";
import type { ClientCommand } from "@sluice/mysql-wire/commands";
import type { Verdict } from "@sluice/policy/verdict";
import type { ResultEvent } from "@sluice/recording/result-events";
import { type MaskingScope, NOTHING_READ } from "./masking-scope";
import { MySqlClientError } from "./mysql-client-error";
import {
  cursorRulesChanged,
  isCursorRequested,
  MAX_RECORDED_PARAMETER_BYTES,
  noOpenCursor,
  type PreparedStatement,
  PreparedStatements,
  unknownStatement,
} from "./prepared-statements";
import type { ExpectedResponse, TrackerEvent } from "./result-tracker";

type AllowVerdict = Extract<Verdict, { kind: "allow" }>;

/** The commands that address a statement prepared earlier, by the server's statement id. */
export type StatementCommand = Extract<
  ClientCommand,
  { type: "stmt-execute" | "stmt-fetch" | "stmt-close" | "stmt-reset" | "stmt-send-long-data" }
>;

/** The statement an execution's or fetch's answer is for: that answer opens or closes its cursor. */
export type CursorOwner = {
  statementId: number;
  /** The masking rules an execution's plan was made with (a cursor's fetches must match them). */
  rulesKey?: string;
};

/** What the relay does with a statement command; the relay alone builds packets and flights. */
export type StatementStep =
  | { kind: "refuse"; error: MySqlClientError }
  | { kind: "forward"; expected: ExpectedResponse; scope: MaskingScope; owner?: CursorOwner }
  /** Forwarded, and the server sends no answer (COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA). */
  | { kind: "forward-unanswered" }
  /** Neither forwarded nor answered: the command has no answer to refuse it with. */
  | { kind: "drop" };

export type StatementCommandContext = {
  /** A statement's verdict scoped against the catalog now (it may have moved since PREPARE). */
  scopeOf: (verdict: AllowVerdict, shape: MaskingShape | null) => Promise<MaskingScope>;
  /**
   * Why the statement may not run now that it is scoped again (a trigger created since PREPARE
   * could copy masked values), or null.
   */
  refusalOf?: (shape: MaskingShape | null, scope: MaskingScope) => MySqlClientError | null;
  /** An execution goes upstream next (scoped, not refused): what it may change is seen after it. */
  beforeRun: (statement: PreparedStatement) => void;
  /** The masking rules that apply now, as one comparable string. */
  rulesKey: () => string;
  /** The session decisions' version now (policy and name resolution; see PreparedStatement). */
  decisionsVersion: () => number;
  /** The statement's text judged again now: its new verdict, or why it may not run. */
  judgeAgain: (sql: string) => Promise<AllowVerdict | MySqlClientError>;
  /** Long data is recorded as the parameter it is. */
  onResult?: (event: ResultEvent) => void;
};

/**
 * The prepared-statement commands after PREPARE: executions, cursor fetches, long data, reset and
 * close. Each statement keeps its verdict, and each open cursor the masking plan of the execution
 * that opened it (column rules and detectors), so fetched rows are masked as executed ones are even
 * when the cursors of several statements interleave.
 */
export class PreparedStatementCommands {
  private readonly statements = new PreparedStatements();

  constructor(private readonly context: StatementCommandContext) {}

  async step(command: StatementCommand): Promise<StatementStep> {
    switch (command.type) {
      case "stmt-execute":
        return this.executed(command.statementId, command.flags);
      case "stmt-fetch":
        return this.fetched(command.statementId);
      case "stmt-close":
        this.statements.close(command.statementId);
        return { kind: "forward-unanswered" };
      case "stmt-reset":
        if (!this.statements.has(command.statementId))
          return { kind: "refuse", error: unknownStatement(command.statementId) };
        // The server closes the statement's cursor and forgets its long data.
        this.statements.dropCursor(command.statementId);
        return { kind: "forward", expected: { kind: "simple" }, scope: NOTHING_READ };
      case "stmt-send-long-data":
        return this.longData(command);
    }
  }

  /** A PREPARE the server answered: its verdict masks every execution's rows. */
  prepared(statementId: number, statement: PreparedStatement): void {
    this.statements.add(statementId, statement);
  }

  /** The end of an execution's or fetch's answer: the statement's cursor opens, or goes with it. */
  answered(owner: CursorOwner, scope: MaskingScope, done: Extract<TrackerEvent, { kind: "done" }>): void {
    if (done.openedCursor) {
      this.statements.openCursor(owner.statementId, {
        ...done.openedCursor,
        scope,
        rulesKey: owner.rulesKey ?? "",
      });
    } else if (done.isCursorClosed || done.isError) {
      this.statements.dropCursor(owner.statementId);
    }
  }

  /** COM_RESET_CONNECTION: the server forgets every statement. */
  clear(): void {
    this.statements.clear();
  }

  private async executed(statementId: number, flags: number): Promise<StatementStep> {
    const known = this.statements.get(statementId);
    if (!known) return { kind: "refuse", error: unknownStatement(statementId) };
    const statement = await this.current(statementId, known);
    if (statement instanceof MySqlClientError) return { kind: "refuse", error: statement };
    // Executing again closes the statement's cursor on the server: its old plan goes with it.
    this.statements.dropCursor(statementId);
    const scope = await this.context.scopeOf(statement.verdict, statement.shape);
    const refused = statement.shape ? this.context.refusalOf?.(statement.shape, scope) : null;
    if (refused) return { kind: "refuse", error: refused };
    this.context.beforeRun(statement);
    return {
      kind: "forward",
      expected: { kind: "result", rowFormat: "binary", isCursorRequested: isCursorRequested(flags) },
      scope,
      owner: { statementId, rulesKey: this.context.rulesKey() },
    };
  }

  /**
   * The statement as the policy now judges it. Clients keep a prepared statement for the life of
   * their connection (mysql2 caches one per text), so a verdict kept from PREPARE would let a rule
   * added since — a DENY, a review, READ_ONLY — never reach it: an execution under another
   * decisions version than its statement's, or of a verdict that holds only for the catalog as it
   * was, is judged again first, the text as it was prepared.
   */
  private async current(
    statementId: number,
    statement: PreparedStatement,
  ): Promise<PreparedStatement | MySqlClientError> {
    const version = this.context.decisionsVersion();
    if (statement.version === version && statement.verdict.isJudgedPerRun !== true) return statement;
    const verdict = await this.context.judgeAgain(statement.sql);
    if (verdict instanceof MySqlClientError) return verdict;
    const renewed = { ...statement, verdict, version };
    this.statements.rejudged(statementId, renewed);
    return renewed;
  }

  /**
   * COM_STMT_FETCH: rows of the statement's open cursor, masked by the plan its execution made
   * (each statement's own: cursors of several statements interleave). A fetch the gateway has no
   * cursor for gets the server's own answer without reaching it; one under masking rules other
   * than the cursor's is refused: the plan would not be the one the rules now ask for.
   */
  private fetched(statementId: number): StatementStep {
    if (!this.statements.has(statementId)) return { kind: "refuse", error: unknownStatement(statementId) };
    const cursor = this.statements.cursorOf(statementId);
    if (!cursor) return { kind: "refuse", error: noOpenCursor(statementId) };
    if (cursor.rulesKey !== this.context.rulesKey()) return { kind: "refuse", error: cursorRulesChanged() };
    return {
      kind: "forward",
      expected: { kind: "fetch", cursor },
      scope: cursor.scope,
      owner: { statementId },
    };
  }

  /**
   * COM_STMT_SEND_LONG_DATA: a piece of one parameter's value for a statement judged at PREPARE. It
   * is a value, never statement text, so it cannot change what was judged; it reaches the server
   * only for a statement prepared through the gateway (there is no answer to refuse it with: any
   * other is dropped, and its EXECUTE is refused as unknown). Recorded as the parameter it is.
   */
  private longData(command: Extract<StatementCommand, { type: "stmt-send-long-data" }>): StatementStep {
    const statement = this.statements.get(command.statementId);
    if (!statement) return { kind: "drop" };
    const isMasked = (statement.verdict.maskedTables?.length ?? 0) > 0;
    this.context.onResult?.({
      type: "parameter",
      statement: command.statementId,
      index: command.paramId,
      bytes: command.data.length,
      value: isMasked ? null : command.data.subarray(0, MAX_RECORDED_PARAMETER_BYTES).toString("utf8"),
    });
    return { kind: "forward-unanswered" };
  }
}
