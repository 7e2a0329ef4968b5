import type { DetectorRule } from "@sluice/masking/content-masker";
import { type KillStatement, killFacts, readKillStatement } from "@sluice/mysql-sql/kill-statement";
import type { MaskingReading, MaskingShape } from "@sluice/mysql-sql/masking-shape";
import { type ClientCommand, parseCommand } from "@sluice/mysql-wire/commands";
import { isErrPacket } from "@sluice/mysql-wire/responses";
import type { FollowedColumns } from "@sluice/policy/followed-columns";
import type { Verdict } from "@sluice/policy/verdict";
import { AgentMasking } from "./agent-masking";
import { mayChangeCatalog } from "./catalog-changes";
import { CatalogFreshness } from "./catalog-freshness";
import { fieldListStatement, initDbStatement } from "./command-statements";
import { ConnectionReset } from "./connection-reset";
import { DiagnosticsArea } from "./diagnostics-area";
import { followedColumnsOf } from "./followed-columns";
import { IdleGate } from "./idle-gate";
import { mappedKill } from "./kill-mapping";
import { type DenyVerdict, maskedStatementRefusal, refusedBy } from "./masked-statement-refusal";
import { type MaskingScope, NOTHING_READ } from "./masking-scope";
import type { MySqlClientError } from "./mysql-client-error";
import {
  type CursorOwner,
  PreparedStatementCommands,
  type StatementStep,
} from "./prepared-statement-commands";
import type { PreparedStatement } from "./prepared-statements";
import { ClientErrorPackets, type RelayAction } from "./relay-actions";
import type { RelayOptions } from "./relay-options";
import { type ExpectedResponse, ResultTracker } from "./result-tracker";
import { ReviewHold } from "./review-hold";
import { StatementReading } from "./statement-reading";
import { outOfOrder, unreadableCommand, unsupportedCommand } from "./unsupported-command";
import { withheldErrorText } from "./withheld-error-text";

// The types the relay's API speaks, where its users (the transport, the gateway) import the relay.
export type { RelayAction } from "./relay-actions";
export type { RelayHooks, RelayOptions } from "./relay-options";

type AllowVerdict = Extract<Verdict, { kind: "allow" }>;
type InFlight = {
  tracker: ResultTracker;
  scope: MaskingScope;
  /** The detectors the answer's rows are searched with: its error text is searched with them too. */
  detectors: readonly DetectorRule[];
  prepared?: PreparedStatement;
  /** An execution's or fetch's statement: the answer opens or closes its cursor. */
  owner?: CursorOwner;
};

/**
 * The session after login, as steps (no sockets): each client command is judged before anything
 * reaches the upstream — COM_QUERY and COM_STMT_PREPARE by the decision point (a refusal is an ERR
 * packet with Sluice's message and the session continues), COM_INIT_DB as `USE`, COM_FIELD_LIST as
 * a read of its table — and the upstream's answer is read packet by packet so rows are masked by
 * their columns' origin and the content detectors. Commands on a prepared statement (execute,
 * fetch, long data) are stepped by PreparedStatementCommands. Unknown commands close the client.
 */
export class MySqlRelay {
  private inFlight: InFlight | null = null;
  /** A COM_RESET_CONNECTION between its forwarding and the modes pinned again. */
  private reset: ConnectionReset | null = null;
  /** Whether SHOW WARNINGS / ERRORS may read conditions that quote masked values. */
  private readonly diagnostics = new DiagnosticsArea();
  /** Statements prepared through the gateway (their verdict masks every execution's rows) and cursors. */
  private readonly statements: PreparedStatementCommands;
  private readonly catalog: CatalogFreshness;
  private readonly masking: AgentMasking;
  private readonly idle = new IdleGate();
  /** The statement waiting for its review, if any; every statement is decided through it. */
  private readonly hold: ReviewHold;
  private readonly reading: StatementReading;
  private readonly errors: ClientErrorPackets;

  constructor(private readonly options: RelayOptions) {
    this.errors = new ClientErrorPackets(options);
    this.reading = options.reading ?? new StatementReading();
    this.catalog = new CatalogFreshness(options.catalog);
    this.masking = new AgentMasking(options);
    this.hold = new ReviewHold({
      decisions: options.decisions,
      beforeDecision: () => this.catalog.forgetVerified(),
      onHold: (sql, held) => this.options.hooks?.onVerdict?.(sql, held),
    });
    this.statements = new PreparedStatementCommands({
      // An execution is scoped and judged as COM_QUERY is: against the catalog only under column
      // rules (no rule, no value to mask by origin; the fingerprint check costs a round trip).
      scopeOf: (verdict, shape) =>
        this.masksRows() ? this.scopeOf(verdict, shape) : Promise.resolve(NOTHING_READ),
      refusalOf: (shape, scope) => {
        const refused = this.masksRows() ? this.maskedWriteRefusal(shape, scope) : null;
        return refused ? refusedBy(refused) : null;
      },
      beforeRun: (statement) => this.catalog.noteStatement(statement.mayChangeCatalog),
      rulesKey: () => this.masking.rulesKey(),
      decisionsVersion: () => this.options.decisions.version(),
      judgeAgain: (sql) => this.judgedAgain(sql),
      onResult: (event) => this.options.hooks?.onResult?.(event),
    });
  }

  /**
   * The upstream's generated columns and what its views read as they are now (a view another
   * connection just created too), for the decision point: strict mode, the masked-copy guard,
   * review and COLUMN rules follow a column into those computed from it and the views reading it.
   */
  async followedColumns(): Promise<FollowedColumns> {
    return followedColumnsOf(await this.catalog.fresh());
  }

  /** The client left (or the session was ended): a statement waiting for its review is withdrawn. */
  end(reason: string): void {
    this.hold.end(reason);
  }

  get isBusy(): boolean {
    return this.inFlight !== null || this.reset !== null;
  }

  /** Resolves once no answer is in flight: the transport hands over the next command only then. */
  whenIdle(): Promise<void> {
    return this.idle.wait(this.isBusy);
  }

  async onClientPacket(sequenceId: number, payload: Buffer, raw: Buffer): Promise<RelayAction[]> {
    if (sequenceId !== 0)
      return this.errors.fatal(outOfOrder("a command must start a new exchange (sequence id 0)"));
    if (this.reset) {
      // Sent before the reset's answer, it would reach the server before the modes are pinned again.
      return this.errors.fatal(outOfOrder("a command arrived before COM_RESET_CONNECTION was answered"));
    }
    let command: ClientCommand;
    try {
      command = parseCommand(payload);
    } catch (error) {
      return [this.errors.refusal(unreadableCommand(error))];
    }
    switch (command.type) {
      case "query": {
        const kill = readKillStatement(command.sql);
        if (kill) return this.killed(command.sql, kill);
        return this.judged(command.sql, "simple", raw, { kind: "result", rowFormat: "text" });
      }
      case "init-db":
        return this.judged(initDbStatement(command.schema), "simple", raw, { kind: "simple" });
      case "field-list":
        return this.judged(fieldListStatement(command.table), "simple", raw, { kind: "field-list" });
      case "stmt-prepare":
        return this.judged(command.sql, "parse", raw, { kind: "prepare" });
      case "stmt-execute":
      case "stmt-fetch":
      case "stmt-close":
      case "stmt-reset":
      case "stmt-send-long-data":
        return this.stepped(await this.statements.step(command), raw);
      case "ping":
        return this.forward(raw, { kind: "simple" }, NOTHING_READ);
      case "quit":
        return [
          { kind: "to-upstream", raw },
          { kind: "close", reason: "the client quit" },
        ];
      case "reset-connection":
        // The server drops its prepared statements, temporary tables and open transaction: the
        // gateway forgets the same, and reads the catalog again (a temporary table is gone).
        this.statements.clear();
        this.diagnostics.wasReset();
        this.catalog.noteStatement(true);
        this.reset = new ConnectionReset();
        return [{ kind: "to-upstream", raw }];
      case "unsupported":
        return this.errors.fatal(unsupportedCommand(command.code));
    }
  }

  /** One upstream packet of the answer in flight → the packets the client gets. */
  onUpstreamPacket(sequenceId: number, payload: Buffer): RelayAction[] {
    const actions = this.reset ? this.onResetPacket(payload) : this.onAnswerPacket(sequenceId, payload);
    if (!this.isBusy) this.idle.open();
    return actions;
  }

  private onAnswerPacket(sequenceId: number, payload: Buffer): RelayAction[] {
    const flight = this.inFlight;
    if (!flight) return [{ kind: "close", reason: "the upstream sent a packet nobody asked for" }];
    const actions: RelayAction[] = [];
    let last: Buffer | undefined;
    for (const event of flight.tracker.onPacket(payload)) {
      if (event.kind === "packet") {
        last = event.payload;
        const payload = withheldErrorText(
          event.payload,
          flight.scope,
          flight.detectors,
          this.options.hashKey,
        );
        if (isErrPacket(payload)) this.errors.record(payload);
        actions.push({ kind: "to-client", sequenceId, payload });
        continue;
      }
      this.inFlight = null;
      this.diagnostics.answered(flight.scope, last);
      if (event.prepared && flight.prepared)
        this.statements.prepared(event.prepared.statementId, flight.prepared);
      if (flight.owner) this.statements.answered(flight.owner, flight.scope, event);
    }
    return actions;
  }

  /**
   * KILL names a gateway connection id: it runs upstream only as the same KILL of that session's
   * upstream thread, and only for the agent's own sessions on this connection (a raw upstream id
   * would let an agent interrupt whatever the server runs under the brokered login).
   */
  private async killed(sql: string, kill: KillStatement): Promise<RelayAction[]> {
    // Guardrails and reviews on the KILL kind come first: the mapping only narrows what may run.
    const decided = await this.hold.decide(sql, "simple", { ok: true, statements: [killFacts()] });
    if (decided.kind === "deny") return this.refused(sql, decided);
    const mapped = await mappedKill(kill, this.options.killTargets);
    this.options.hooks?.onVerdict?.(sql, mapped.verdict);
    if ("error" in mapped) return [this.errors.refusal(mapped.error)];
    return this.forward(mapped.raw, { kind: "simple" }, NOTHING_READ);
  }

  /** A prepared-statement command's step, as the packets it takes. */
  private stepped(step: StatementStep, raw: Buffer): RelayAction[] {
    switch (step.kind) {
      case "refuse":
        return [this.errors.refusal(step.error)];
      case "forward":
        return this.forward(raw, step.expected, step.scope, step.owner ? { owner: step.owner } : {});
      case "forward-unanswered":
        return [{ kind: "to-upstream", raw }];
      case "drop":
        return [];
    }
  }

  private onResetPacket(payload: Buffer): RelayAction[] {
    const step = (this.reset as ConnectionReset).onUpstreamPacket(payload);
    if (step.kind === "send-upstream") return [{ kind: "to-upstream", raw: step.raw }];
    this.reset = null;
    if (step.kind === "fail") return this.errors.fatal(step.error);
    if (isErrPacket(payload)) this.errors.record(payload);
    return [{ kind: "to-client", sequenceId: 1, payload: step.payload }];
  }

  private async judged(
    sql: string,
    via: "simple" | "parse",
    raw: Buffer,
    expected: ExpectedResponse,
  ): Promise<RelayAction[]> {
    // Read before judging: a policy change during the decision makes an execution judge again.
    const version = this.options.decisions.version();
    // Bounded before anything reads it: reading holds the statement's whole tree.
    const tooLong = this.reading.tooLong(sql);
    if (tooLong) return this.refused(sql, tooLong);
    // Masking needs the statement's shape, and a session using the catalog its kinds (may it change
    // the catalog?): it is read once (a large one on a parse thread), and the decision judges it.
    const reading = this.masksRows() || this.catalog.isConsulted ? await this.reading.read(sql) : null;
    if (reading && "kind" in reading) return this.refused(sql, reading);
    const parsed = reading?.parsed;
    const decided = await this.hold.decide(sql, via, parsed);
    if (decided.kind === "deny") return this.refused(sql, decided);
    // Rules may have changed while a review held the statement: masking follows the rules now.
    const masksNow = this.masksRows();
    const readNow: MaskingReading | DenyVerdict | null =
      masksNow && !reading ? await this.reading.read(sql) : reading;
    if (readNow && "kind" in readNow) return this.refused(sql, readNow);
    const shape = masksNow && readNow ? readNow.shape : null;
    const scope = this.withDiagnosticsScope(
      shape,
      masksNow ? await this.scopeOf(decided, shape) : NOTHING_READ,
    );
    // What only the catalog can tell is judged before the verdict is recorded: a refusal here is
    // the statement's verdict.
    const refused = masksNow ? this.maskedWriteRefusal(shape, scope) : null;
    this.options.hooks?.onVerdict?.(sql, refused ?? decided);
    if (refused) return [this.errors.refusal(refusedBy(refused))];
    // Unread (no catalog in use yet), it may change the catalog; a PREPARE's executions run it.
    const mayChange = mayChangeCatalog(parsed);
    if (expected.kind !== "prepare") this.catalog.noteStatement(mayChange);
    const prepared =
      expected.kind === "prepare"
        ? { verdict: decided, shape, sql, version, mayChangeCatalog: mayChange }
        : undefined;
    return this.forward(raw, expected, scope, prepared ? { prepared } : {});
  }

  private refused(sql: string, verdict: DenyVerdict): RelayAction[] {
    this.options.hooks?.onVerdict?.(sql, verdict);
    return [this.errors.refusal(refusedBy(verdict))];
  }

  /** A prepared statement's text judged again at an execution (the policy changed since). */
  private async judgedAgain(sql: string): Promise<AllowVerdict | MySqlClientError> {
    const decided = await this.hold.decide(sql, "parse");
    this.options.hooks?.onVerdict?.(sql, decided);
    return decided.kind === "deny" ? refusedBy(decided) : decided;
  }

  private maskedWriteRefusal(shape: MaskingShape | null, scope: MaskingScope): DenyVerdict | null {
    return maskedStatementRefusal(shape, scope, {
      selectors: this.masking.columnRules().map((rule) => rule.selector as string),
      ...(this.options.isCallAllowed ? { isCallAllowed: this.options.isCallAllowed } : {}),
    });
  }

  private masksRows(): boolean {
    return this.masking.columnRules().length > 0;
  }

  private scopeOf(verdict: AllowVerdict, shape: MaskingShape | null): Promise<MaskingScope> {
    const selectors = this.masking.columnRules().map((rule) => rule.selector as string);
    return this.catalog.scope(verdict, shape, selectors);
  }

  /**
   * Warnings and errors of a statement that read masked columns can quote their values
   * ("Truncated incorrect DOUBLE value: 'ada@example.com'"), and the server keeps them for more
   * than the next statement (see DiagnosticsArea): a SHOW (WARNINGS, ERRORS) while they may still
   * be there reads masked values too, so its computed columns are redacted.
   */
  private withDiagnosticsScope(shape: MaskingShape | null, scope: MaskingScope): MaskingScope {
    if (shape?.readsDiagnostics && this.diagnostics.mayQuoteMasked) return { ...scope, readsMasked: true };
    return scope;
  }

  private forward(
    raw: Buffer,
    expected: ExpectedResponse,
    scope: MaskingScope,
    about: Pick<InFlight, "prepared" | "owner"> = {},
  ): RelayAction[] {
    const { planFor, detectors } = this.masking.planner(scope);
    this.diagnostics.forwarded(scope);
    this.inFlight = {
      tracker: new ResultTracker(
        expected,
        this.options.isDeprecateEof,
        planFor,
        this.options.hashKey,
        this.options.hooks?.onResult,
      ),
      scope,
      // A fetch's rows are masked by its cursor's plan: its error text by that plan's detectors too.
      detectors: expected.kind === "fetch" ? expected.cursor.plan.detectors : detectors,
      ...about,
    };
    return [{ kind: "to-upstream", raw }];
  }
}
