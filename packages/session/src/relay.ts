import type { StatementRequest } from "@sluice/policy/verdict";
import { ClientCode } from "@sluice/wire/client-codes";
import { bindParams, type ClientMessage } from "@sluice/wire/client-messages";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { ServerCode, TransactionStatus } from "@sluice/wire/server-codes";
import { ClientError } from "./client-error";
import { parameterStatus } from "./parameter-status";
import { assertPinnedReport } from "./pinned-backstop";
import { PipelineGate, type PortalEffects } from "./pipeline-gate";
import { PreparedStatements } from "./prepared-statements";
import { errorBytes } from "./protocol-bytes";
import { createRefusalStandIn } from "./refusal-stand-in";
import { SYNTAX_ERROR, upstreamForRefusedQuery } from "./refused-query";
import { EMPTY_STEP, NO_BYTES, type RelayStep } from "./relay-step";
import {
  type Batch,
  denialError,
  emptyBatch,
  functionCallRefusal,
  type Refusable,
  resultScope,
  type Settled,
} from "./relay-verdicts";
import { EMPTY_SCOPE } from "./result-scope";
import { type RelayOptions, StatementJudge } from "./statement-judge";

export type { RelayOptions } from "./statement-judge";

/** What the forwarding step holds before its first message (see `Relay.forward`). */
const NO_MESSAGE = Buffer.alloc(0);

/** One ReadyForQuery the upstream owes us, and the refusal (if any) in what it ends. */
type OwedReady = {
  /** Which batch this ReadyForQuery ends (see `Relay.batchSerial`). */
  batch: number;
  refusal: Refusable;
};

/**
 * The relay between an authenticated client and its upstream. Every statement is judged before it
 * is forwarded. A denied message never reaches the upstream: a stand-in that the server's parser
 * rejects goes in its place, so the server itself does what it does after an error (aborts the
 * transaction block, rolls back the batch, skips to Sync) and answers at the point it would have;
 * the client sees Sluice's denial in place of the server's error for the stand-in.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */
export class Relay {
  private readonly owed: OwedReady[] = [];
  private readonly standIn = createRefusalStandIn();
  private readonly gate = new PipelineGate();
  private batch: Batch = emptyBatch();
  private transactionStatus = "I";
  private readonly statements = new PreparedStatements();
  /** Counts the batches sent upstream (each ended by a Sync or a simple Query). */
  private batchSerial = 0;
  /** Judges each statement and holds the one waiting for a human (a cancel or a disconnect withdraws it). */
  private readonly statementJudge: StatementJudge;
  /**
   * Messages of an extended-protocol batch went upstream since its last Sync (a refusal later in
   * the batch does not undo them): what the next statement is judged against may still change.
   */
  private isUnsynced = false;
  /** Counts messages sent upstream, so a Bind can tell whether anything ran since its Parse. */
  private forwarded = 0;
  /** See `forward`. */
  private readonly forwardStep: RelayStep = { toUpstream: [NO_MESSAGE], toClient: NO_BYTES };

  constructor(private readonly options: RelayOptions) {
    this.statementJudge = new StatementJudge(options);
  }

  /**
   * Withdraws the held statement (the client cancelled or left): it is refused with `reason` and
   * will never run. Returns false when nothing is held, so a cancel goes to the upstream instead.
   */
  withdrawHeld(reason: string): boolean {
    return this.statementJudge.withdrawHeld(reason);
  }

  /** The client left: the held statement, and a hold still being decided, never runs. */
  end(reason: string): void {
    this.statementJudge.end(reason);
  }

  get status(): string {
    return this.transactionStatus;
  }

  /** Nothing is held and the upstream has answered everything sent to it up to a ReadyForQuery. */
  get isSettled(): boolean {
    return !this.statementJudge.isHolding && this.owed.length === 0;
  }

  /** Everything sent upstream was answered, up to a ReadyForQuery outside any transaction. */
  isUpstreamIdle(): boolean {
    return (
      this.owed.length === 0 &&
      !this.isUnsynced &&
      this.transactionStatus === "I" &&
      !this.statementJudge.isHolding
    );
  }

  /** Handles one client message; a Promise only when the decision point had to wait. */
  handleClient(message: ClientMessage, raw: Buffer): RelayStep | Promise<RelayStep> {
    // Behind a statement that may have changed how the server reads bytes (see PipelineGate).
    const waiting = this.gate.waitFor(message.name);
    if (waiting) return waiting.then(() => this.handleClient(message, raw));
    const refusal = this.batch.isRefused ? null : this.gate.refusalFor(message.name, raw);
    if (refusal) return message.name === "query" ? this.refuseInPlace(refusal) : this.refuseBatch(refusal);
    switch (message.name) {
      case "query":
        // The server ignores everything up to Sync after an error in a batch, a Query too.
        if (this.batch.isRefused) return EMPTY_STEP;
        return this.judge(message.sql, "simple", undefined, undefined, (verdict) =>
          this.afterQueryVerdict(verdict, raw, message.sql),
        );
      case "parse":
        if (this.batch.isRefused) return EMPTY_STEP;
        return this.judge(message.sql, "parse", message.statement, undefined, (verdict) =>
          this.afterParseVerdict(verdict, raw, message.statement, message.sql),
        );
      case "bind":
        return this.handleBind(message.statement, raw, message.portal);
      case "close":
        if (message.target === "S" && !this.batch.isRefused) this.statements.delete(message.targetName);
        if (message.target === "P" && !this.batch.isRefused) this.gate.afterClosePortal(message.targetName);
        return this.forwardInBatch(raw);
      case "execute":
        if (!this.batch.isRefused) this.gate.afterExecute(message.portal);
        return this.forwardInBatch(raw);
      case "describe":
      case "flush":
        return this.forwardInBatch(raw);
      case "sync": {
        this.gate.afterSync(this.batchSerial);
        this.owed.push({
          batch: this.batchSerial++,
          // The batch's own object: a stand-in's error that is still to come finds it here.
          refusal: this.batch,
        });
        this.batch = emptyBatch();
        this.isUnsynced = false;
        this.forwarded += 1;
        return this.forward(raw);
      }
      case "copyData":
      case "copyDone":
      case "copyFail":
        return this.forward(raw);
      case "functionCall":
        if (this.batch.isRefused) return EMPTY_STEP;
        return this.refuseInPlace(functionCallRefusal());
      case "terminate":
        // Not forwarded: the upstream is released (a pool keeps it for the next session).
        return { toUpstream: [], toClient: NO_BYTES, isClosing: true };
      default:
        throw ClientError.fatal("08P01", `unexpected ${message.name} message after authentication`);
    }
  }

  /**
   * A message whose text is not valid UTF-8 (22021, decoded by no one): refused as the server
   * refuses it, an ERROR at its place in the stream (a Query's ReadyForQuery, or the batch skipped
   * to Sync), and the session goes on. Its bytes never reach the upstream.
   */
  refuseUndecodable(type: number, error: ClientError): RelayStep | Promise<RelayStep> {
    const waiting = this.gate.whenOpen();
    if (waiting) return waiting.then(() => this.refuseUndecodable(type, error));
    if (this.batch.isRefused) return EMPTY_STEP;
    return type === ClientCode.Query ? this.refuseInPlace(error) : this.refuseBatch(error);
  }

  /**
   * Sees every upstream message type before it is relayed. Returns the bytes the client gets in its
   * place (Sluice's denial for the server's error about a stand-in), or null to relay it as it is.
   */
  beforeUpstreamMessage(type: number, body: Buffer): Buffer | null {
    return this.beforeUpstreamMessageAt(type, body, 0, body.length);
  }

  /**
   * `beforeUpstreamMessage` for a message whose body is `bytes[start..end]`, read where it lies: a
   * view of the body is made only for the two types that read more than a byte of it (most of what
   * the upstream sends is rows, completions and readiness, and a view per message was garbage).
   */
  beforeUpstreamMessageAt(type: number, bytes: Buffer, start: number, end: number): Buffer | null {
    if (type === ServerCode.ParameterStatus) {
      this.observeParameter(bytes.subarray(start, end));
      return null;
    }
    if (type === ServerCode.ErrorResponse) return this.denialInPlaceOf(bytes.subarray(start, end));
    if (type === ServerCode.ParseComplete) {
      this.statements.confirmOldest();
      return null;
    }
    if (type !== ServerCode.ReadyForQuery) return null;
    this.transactionStatus = String.fromCharCode(
      start < end ? (bytes[start] as number) : TransactionStatus.Idle,
    );
    const owed = this.owed.shift();
    if (owed) this.statements.forgetRefusedParses(owed.batch);
    // The ParameterStatus of whatever ran came before this: what waited behind it may go.
    if (owed) this.gate.afterReady(owed.batch);
    return null;
  }

  /**
   * The server answers in order, so an error belongs to the oldest ReadyForQuery still owed, or to
   * the batch being built when none is (a client that Flushes before its Sync). The server reports
   * only the first error of a batch: one of its own before the stand-in means the stand-in was
   * skipped, and the client sees that error, as it would have directly.
   */
  private denialInPlaceOf(errorBody: Buffer): Buffer | null {
    const refusal = this.owed[0]?.refusal ?? this.batch;
    const { denial, probe } = refusal;
    refusal.denial = null;
    refusal.probe = undefined;
    if (probe) return probe(errorBody);
    if (!this.standIn.isStandInError(errorBody)) return null;
    // Never show the client the stand-in's own error, even where no denial waits for it.
    return denial ?? errorBytes(ClientError.error("42501", "refused by Sluice"));
  }

  /** The ParameterStatus frames of the upstream login, before the first statement is judged. */
  observeLoginParameters(frames: readonly Buffer[]): void {
    for (const frame of frames) this.observeParameter(frame.subarray(TAGGED_HEADER_BYTES));
  }

  private observeParameter(body: Buffer): void {
    const setting = parameterStatus(body);
    if (!setting) return;
    const { name, value } = setting;
    // The backstop for a path nothing else saw: the session ends before anything more is relayed.
    assertPinnedReport(name, value);
    this.options.decisions.observeSetting?.(name, value);
  }

  private judge(
    sql: string,
    via: "simple" | "parse",
    statementName: string | undefined,
    approved: StatementRequest["approved"],
    then: (verdict: Settled) => RelayStep,
  ): RelayStep | Promise<RelayStep> {
    // Nothing in flight and no transaction open: the upstream's catalog, read now, is what it will see.
    const isUpstreamSettled = this.owed.length === 0 && !this.isUnsynced && this.transactionStatus === "I";
    const request: StatementRequest = { sql, via, isUpstreamSettled, statementName, approved };
    return this.statementJudge.decide(request, then);
  }

  private afterQueryVerdict(verdict: Settled, raw: Buffer, sql: string): RelayStep {
    if (verdict.kind === "allow") {
      this.forwarded += 1;
      if (verdict.dropsPrepared) this.statements.forget(verdict.dropsPrepared);
      this.gate.afterQuery(this.batchSerial, verdict);
      this.owed.push({
        batch: this.batchSerial++,
        refusal: { denial: null },
      });
      return { toUpstream: [raw], toClient: NO_BYTES, scope: resultScope(verdict) };
    }
    const { message, scope, probe } = upstreamForRefusedQuery(this.standIn, verdict, raw, sql);
    const ranFirst = verdict.kind === "deny" ? verdict.runsFirst?.allowed : undefined;
    if (ranFirst?.dropsPrepared) this.statements.forget(ranFirst.dropsPrepared);
    // The statements before the refused one run: the gate reads them as their own Query.
    return this.refuseInPlace(denialError(verdict), message, scope, probe, ranFirst);
  }

  /** A prepared statement runs only as allowed now: judged again under new rules or catalog. */
  private handleBind(statement: string, raw: Buffer, portal: string): RelayStep | Promise<RelayStep> {
    if (this.batch.isRefused) return EMPTY_STEP;
    const known = this.statements.get(statement);
    if (!known) {
      // Never judged here (a SQL PREPARE shares the server's names, or the server refused its
      // Parse): refused as the server refuses a name it does not have, up to Sync.
      return this.refuseBatch(
        ClientError.error(
          "26000",
          `prepared statement "${statement}" does not exist`,
          "Sluice binds only statements this session prepared with a Parse message",
        ),
      );
    }
    const isApprovalSpent = known.approvedBindsLeft === 0;
    const isApproved = (known.approvedBindsLeft ?? 0) > 0;
    if (known.approvedBindsLeft) known.approvedBindsLeft -= 1;
    const isPolicyChanged = known.version !== this.options.decisions.version();
    const isStale =
      isPolicyChanged ||
      known.catalogVersion !== this.catalogVersion() ||
      isApprovalSpent ||
      (known.isJudgedPerRun === true && known.forwardedAt !== this.forwarded);
    if (!isStale) return this.bindChecked(statement, raw, portal);
    // The approved Bind under a newer catalog (its table made a view by another connection) runs
    // on the approval only if it still means what was approved; under new rules it counts for nothing.
    const approved = isApproved && !isPolicyChanged ? known.approved : undefined;
    return this.judge(known.sql, "parse", statement, approved, (verdict) => {
      // A refusal's stand-in is the whole step: the Bind itself never goes upstream.
      if (verdict.kind !== "allow") return this.afterParseVerdict(verdict, raw, statement, known.sql, true);
      const { scope } = this.afterParseVerdict(verdict, raw, statement, known.sql, true);
      const bound = this.bindChecked(statement, raw, portal);
      // The Bind brings the verdict its statement now has to the portal it creates (a step of its
      // own: the forwarding one is rewritten by the relay's next call).
      return scope && bound.toUpstream[0] === raw ? { toUpstream: [raw], toClient: NO_BYTES, scope } : bound;
    });
  }

  private catalogVersion(): number {
    return this.options.decisions.catalogVersion?.() ?? 0;
  }

  /** The Bind goes on unless the values it binds are refused (then, like a denial, up to Sync). */
  private bindChecked(statement: string, raw: Buffer, portal: string): RelayStep {
    const known = this.statements.get(statement);
    // The values are read from the Bind only for a statement whose values are checked.
    const denial = known?.checkParams?.(bindParams(raw).map((param) => param?.toString("utf8") ?? null));
    if (!known || !denial) {
      // Forgotten at its Bind, before the server runs it: a Bind in between is refused (fail closed).
      if (known?.dropsPrepared) this.statements.forget(known.dropsPrepared);
      this.gate.afterBind(portal, known ?? {});
      this.noteForwarded();
      return this.forward(raw);
    }
    this.options.onVerdict?.(known.sql, denial);
    return this.refuseBatch(denialError(denial));
  }

  private afterParseVerdict(
    verdict: Settled,
    raw: Buffer,
    statement: string,
    sql: string,
    isBind = false,
  ): RelayStep {
    if (verdict.kind === "allow") {
      this.noteForwarded();
      if (!isBind) this.statements.noteSentParse(statement, this.batchSerial);
      this.statements.set(statement, {
        sql,
        version: this.options.decisions.version(),
        // As the decision point judged it, not as it is now: a snapshot read since must not pass
        // for the one the statement was judged by.
        catalogVersion: verdict.catalogVersion ?? this.catalogVersion(),
        // An approval judged at a Bind is spent by that Bind; one judged at Parse, by the next Bind.
        ...(verdict.note ? { approvedBindsLeft: isBind ? 0 : 1 } : {}),
        ...(verdict.note && verdict.approvedAs
          ? { approved: { as: verdict.approvedAs, note: verdict.note } }
          : {}),
        ...(verdict.checkParams ? { checkParams: verdict.checkParams } : {}),
        ...(verdict.isJudgedPerRun ? { isJudgedPerRun: true } : {}),
        ...(verdict.mayRunUnjudgedCode ? { mayRunUnjudgedCode: true } : {}),
        ...(verdict.dropsPrepared ? { dropsPrepared: verdict.dropsPrepared } : {}),
        ...(verdict.dropsPortals ? { dropsPortals: true } : {}),
        forwardedAt: this.forwarded,
      });
      return { toUpstream: [raw], toClient: NO_BYTES, scope: resultScope(verdict) };
    }
    if (!isBind && statement === "") {
      // The server drops the unnamed statement before it parses the stand-in, as before any Parse.
      this.statements.delete("");
    }
    const step = this.refuseBatch(denialError(verdict), isBind ? undefined : statement);
    if (isBind || verdict.code !== SYNTAX_ERROR) return step;
    const { message, probe } = this.standIn.syntaxProbe(sql, statement);
    this.batch.probe = probe.answer;
    return { ...step, toUpstream: [message] };
  }

  /**
   * Like the server after an error: the stand-in fails upstream (its error is answered with
   * `error`), and everything up to the client's Sync is skipped, by the server and the relay.
   */
  private refuseBatch(error: ClientError, parseName?: string): RelayStep {
    // The batch keeps its masking scope: rows of its Executes before the refusal may still arrive.
    this.batch.isRefused = true;
    this.batch.denial = errorBytes(error);
    this.forwarded += 1;
    return { toUpstream: [this.standIn.parse(parseName)], toClient: NO_BYTES, scope: EMPTY_SCOPE };
  }

  private noteForwarded(): void {
    this.isUnsynced = true;
    this.forwarded += 1;
  }

  /** A message of the extended-protocol batch goes upstream, unless the batch was already refused. */
  private forwardInBatch(raw: Buffer): RelayStep {
    if (this.batch.isRefused) return EMPTY_STEP;
    this.noteForwarded();
    return this.forward(raw);
  }

  /**
   * The step that sends `raw` on as it is: one object per relay, rewritten by every call (see
   * RelayStep: a step is applied before the relay's next call). Four messages of a prepared
   * transaction are forwarded so: a step and an array each were a sixth of its garbage.
   */
  private forward(raw: Buffer): RelayStep {
    const step = this.forwardStep;
    step.toUpstream[0] = raw;
    return step;
  }

  /**
   * A Query or FunctionCall answered with an error: the stand-in Query fails upstream, which aborts
   * an open transaction block as the server's own error would, and keeps its place in the order.
   */
  private refuseInPlace(
    error: ClientError,
    standIn = this.standIn.query(),
    scope = EMPTY_SCOPE,
    probe?: Refusable["probe"],
    ranFirst: PortalEffects = {},
  ): RelayStep {
    this.gate.afterQuery(this.batchSerial, ranFirst);
    this.owed.push({ batch: this.batchSerial++, refusal: { denial: errorBytes(error), probe } });
    this.forwarded += 1;
    return { toUpstream: [standIn], toClient: NO_BYTES, scope };
  }
}
