import type { MaskRule } from "@sluice/masking/strategies";
import { constantOutputs } from "@sluice/mysql-sql/constant-outputs";
import { parseMySql } from "@sluice/mysql-sql/parse";
import type { ColumnDefinition } from "@sluice/mysql-wire/column-definition";
import { type ClientCommand, parseCommand } from "@sluice/mysql-wire/commands";
import { encodeErr, isErrPacket, parseErr } from "@sluice/mysql-wire/responses";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { SessionDecisions, Verdict } from "@sluice/policy/verdict";
import { applicableRules, planColumns } from "./column-masking";
import { ER_UNKNOWN_COM, ER_UNKNOWN_STMT_HANDLER, MySqlClientError } from "./mysql-client-error";
import { type ExpectedResponse, ResultTracker } from "./result-tracker";

/** What the relay asks the transport to do, in order. */
export type RelayAction =
  | { kind: "to-client"; sequenceId: number; payload: Buffer }
  | { kind: "to-upstream"; raw: Buffer }
  | { kind: "close"; reason: string };

/** Hooks for audit and recording; the verdict is seen before the statement goes upstream. */
export type RelayHooks = {
  onVerdict?: (sql: string, verdict: Verdict) => void;
};

export type RelayOptions = {
  decisions: SessionDecisions;
  /** The connection's masking rules now (the policy may change during a session). */
  maskingRules: () => readonly MaskingRuleDef[];
  groups: readonly string[];
  hashKey: Buffer;
  isDeprecateEof: boolean;
  hooks?: RelayHooks;
};

type AllowVerdict = Extract<Verdict, { kind: "allow" }>;
type SettledVerdict = Exclude<Verdict, { kind: "hold" }>;
type InFlight = { tracker: ResultTracker; verdict: AllowVerdict | null; sql: string | undefined };

/**
 * The session after login, as steps (no sockets): each client command is judged before anything
 * reaches the upstream — COM_QUERY and COM_STMT_PREPARE by the decision point (a refusal is an ERR
 * packet with Sluice's message and the session continues), COM_INIT_DB as `USE` — and the
 * upstream's answer is read packet by packet so rows are masked by their columns' origin.
 * Unknown commands close the client with a clear error.
 */
export class MySqlRelay {
  private inFlight: InFlight | null = null;
  /** Masked tables the last judged statement read: its warnings may quote their values. */
  private maskedScope: readonly string[] = [];
  /** Statements prepared through the gateway: their verdict masks every execution's rows. */
  private readonly prepared = new Map<number, { verdict: AllowVerdict; sql: string }>();

  constructor(private readonly options: RelayOptions) {}

  get isBusy(): boolean {
    return this.inFlight !== null;
  }

  async onClientPacket(sequenceId: number, payload: Buffer, raw: Buffer): Promise<RelayAction[]> {
    if (sequenceId !== 0) {
      return this.fatal(
        new MySqlClientError(1156, "08S01", "a command must start a new exchange (sequence id 0)"),
      );
    }
    let command: ClientCommand;
    try {
      command = parseCommand(payload);
    } catch (error) {
      return [
        this.refusal(
          new MySqlClientError(1064, "42000", error instanceof Error ? error.message : String(error)),
        ),
      ];
    }
    switch (command.type) {
      case "query":
        return this.judged(command.sql, "simple", raw, { kind: "result", rowFormat: "text" });
      case "init-db":
        // The default database is where unqualified names resolve: judged as the USE it is.
        return this.judged(`USE \`${command.schema.replaceAll("`", "``")}\``, "simple", raw, {
          kind: "simple",
        });
      case "stmt-prepare":
        return this.judged(command.sql, "parse", raw, { kind: "prepare" });
      case "stmt-execute": {
        const statement = this.prepared.get(command.statementId);
        if (!statement) {
          return [
            this.refusal(
              new MySqlClientError(
                ER_UNKNOWN_STMT_HANDLER,
                "HY000",
                `unknown prepared statement ${command.statementId}`,
              ),
            ),
          ];
        }
        return this.forward(raw, { kind: "result", rowFormat: "binary" }, statement.verdict, statement.sql);
      }
      case "stmt-close":
        this.prepared.delete(command.statementId);
        // COM_STMT_CLOSE has no answer.
        return [{ kind: "to-upstream", raw }];
      case "stmt-reset":
        if (!this.prepared.has(command.statementId)) {
          return [
            this.refusal(
              new MySqlClientError(
                ER_UNKNOWN_STMT_HANDLER,
                "HY000",
                `unknown prepared statement ${command.statementId}`,
              ),
            ),
          ];
        }
        return this.forward(raw, { kind: "simple" }, null);
      case "ping":
        return this.forward(raw, { kind: "simple" }, null);
      case "quit":
        return [
          { kind: "to-upstream", raw },
          { kind: "close", reason: "the client quit" },
        ];
      case "reset-connection":
        return [
          this.refusal(
            MySqlClientError.refused(
              "COM_RESET_CONNECTION is refused by Sluice: it would reset the pinned sql_mode and character set; reconnect instead",
            ),
          ),
        ];
      case "stmt-fetch":
        return [
          this.refusal(
            MySqlClientError.refused("cursor fetches (COM_STMT_FETCH) are not supported by Sluice yet"),
          ),
        ];
      case "unsupported":
        return this.fatal(
          new MySqlClientError(
            ER_UNKNOWN_COM,
            "08S01",
            `command 0x${command.code.toString(16).padStart(2, "0")} is not supported by Sluice; the connection is closed`,
          ),
        );
    }
  }

  /** One upstream packet of the answer in flight → the packets the client gets. */
  onUpstreamPacket(sequenceId: number, payload: Buffer): RelayAction[] {
    const flight = this.inFlight;
    if (!flight) return [{ kind: "close", reason: "the upstream sent a packet nobody asked for" }];
    const actions: RelayAction[] = [];
    for (const event of flight.tracker.onPacket(payload)) {
      if (event.kind === "packet") {
        actions.push({ kind: "to-client", sequenceId, payload: this.withheld(event.payload, flight) });
        continue;
      }
      this.inFlight = null;
      if (event.prepared && flight.verdict && flight.sql !== undefined) {
        this.prepared.set(event.prepared.statementId, { verdict: flight.verdict, sql: flight.sql });
      }
    }
    return actions;
  }

  /**
   * Error text can quote values (a duplicate key's value): while the statement reads masked
   * columns, the server's message is withheld and only its code and SQLSTATE go through.
   */
  private withheld(payload: Buffer, flight: InFlight): Buffer {
    if (!isErrPacket(payload) || (flight.verdict?.maskedTables?.length ?? 0) === 0) return payload;
    const error = parseErr(payload);
    return encodeErr({
      ...error,
      message: `error ${error.code} (its text is withheld by Sluice: the statement reads masked columns)`,
    });
  }

  private async judged(
    sql: string,
    via: "simple" | "parse",
    raw: Buffer,
    expected: ExpectedResponse,
  ): Promise<RelayAction[]> {
    let decided = await this.options.decisions.decide({ sql, via });
    while (decided.kind === "hold") decided = await decided.release;
    this.options.hooks?.onVerdict?.(sql, decided);
    const verdict = this.withDiagnosticsScope(sql, decided);
    if (verdict.kind === "deny") {
      return [
        this.refusal(
          MySqlClientError.refused(`${verdict.message}${verdict.hint ? ` (hint: ${verdict.hint})` : ""}`),
        ),
      ];
    }
    return this.forward(raw, expected, verdict, sql);
  }

  /**
   * Warnings and errors of a statement that read masked columns can quote their values
   * ("Truncated incorrect DOUBLE value: 'ada@example.com'"): a SHOW (WARNINGS, ERRORS) right after
   * such a statement has its computed columns masked as if it read the same tables.
   */
  private withDiagnosticsScope(sql: string, verdict: SettledVerdict): SettledVerdict {
    const previous = this.maskedScope;
    this.maskedScope = verdict.kind === "allow" ? (verdict.maskedTables ?? []) : [];
    if (verdict.kind !== "allow" || previous.length === 0) return verdict;
    const parsed = parseMySql(sql);
    const isShow = !parsed.ok || parsed.statements.some((facts) => facts.kind === "SHOW");
    if (!isShow) return verdict;
    this.maskedScope = previous;
    return { ...verdict, maskedTables: [...new Set([...(verdict.maskedTables ?? []), ...previous])] };
  }

  private forward(
    raw: Buffer,
    expected: ExpectedResponse,
    verdict: AllowVerdict | null,
    sql?: string,
  ): RelayAction[] {
    const rules = applicableRules(this.options.maskingRules(), this.options.groups);
    const readsMasked = (verdict?.maskedTables?.length ?? 0) > 0;
    const constants = readsMasked && sql !== undefined ? constantOutputs(sql) : null;
    const planFor = (columns: readonly ColumnDefinition[]): Array<MaskRule | null> =>
      planColumns(columns, rules, verdict, constants);
    this.inFlight = {
      tracker: new ResultTracker(expected, this.options.isDeprecateEof, planFor, this.options.hashKey),
      verdict,
      sql,
    };
    return [{ kind: "to-upstream", raw }];
  }

  private refusal(error: MySqlClientError): RelayAction {
    return { kind: "to-client", sequenceId: 1, payload: error.payload() };
  }

  private fatal(error: MySqlClientError): RelayAction[] {
    return [
      { kind: "to-client", sequenceId: 1, payload: error.payload() },
      { kind: "close", reason: error.message },
    ];
  }
}
