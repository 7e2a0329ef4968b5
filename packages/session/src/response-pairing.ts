import { type FieldInfo, parseRowDescription } from "@sluice/masking/row-description";
import { ClientCode } from "@sluice/wire/client-codes";
import { NameMemo } from "@sluice/wire/client-messages";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { nulAt } from "@sluice/wire/nul-scan";
import { ServerCode, TargetCode, TransactionStatus } from "@sluice/wire/server-codes";
import { OpenNames } from "./open-names";
import { AskQueue, SYNC_ASK } from "./pairing-asks";
import { bindResultFormats, cstringAt, describePortalBytes, isSameBytesAt, textAt } from "./pairing-bytes";
import { EMPTY_SCOPE, type ResultScope, UNKNOWN_SCOPE } from "./result-scope";
import { boundPortal, queryResult, type ResultSource, type StatementEntry } from "./result-source";

/** What an upstream message turned out to answer. */
export type Pairing =
  /** A RowDescription or NoData: `isHidden` when the gateway asked for it, not the client. */
  | { kind: "description"; isHidden: boolean }
  /** A DataRow of `source` (null: rows the gateway cannot pair with anything; mask them whole). */
  | { kind: "row"; source: ResultSource | null }
  | { kind: "other" };

const OTHER: Pairing = Object.freeze({ kind: "other" });
/** What `onAnswerAt` hands the pairing of a message whose body it never reads. */
const EMPTY_BODY = Buffer.alloc(0);
/** A description the client asked for, and one the gateway asked for itself (swallowed): shared. */
const SHOWN: Pairing = Object.freeze({ kind: "description", isHidden: false });
const HIDDEN: Pairing = Object.freeze({ kind: "description", isHidden: true });

/**
 * Pairs every answer of the upstream with the message that asked for it, the way the server
 * answers: in order, one answer (or a run of rows) per message, everything up to the next Sync
 * skipped after an error, portals gone when their transaction ends. Result state therefore belongs
 * to the portal or statement it describes, for any interleaving of Parse, Bind, Describe, Execute,
 * Close, Flush and Sync the protocol allows.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */
export class ResponsePairing {
  /** Asked and not yet answered, oldest first. */
  private readonly asks = new AskQueue();
  /** The statements and portals the server holds, by name. */
  private readonly open = new OpenNames();
  /** The result of a simple Query whose rows are arriving, once its RowDescription came. */
  private current: ResultSource | null = null;
  /**
   * The last RowDescription's bytes (a copy) and its fields: a statement run again describes the
   * same columns, so equal bytes share one fields array (never changed once made), which lets the
   * masker find the plan it made for them.
   */
  private lastDescription: { body: Buffer; fields: FieldInfo[] } | null = null;
  /** A Bind's portal and statement names, the same few again and again (see NameMemo). */
  private readonly names = new NameMemo();

  /**
   * Notes one message as it goes upstream, with the scope its verdict gave (a Parse, a Query, or
   * a Bind judged again). Returns a message the gateway must send just before it, or null: an
   * Execute of a portal no Describe was asked for gets a Describe of its own, whose answer is
   * swallowed, so its rows are masked by their own columns and not by guesswork.
   */
  noteSent(raw: Buffer, scope?: ResultScope): Buffer | null {
    const type = raw[0];
    switch (type) {
      case ClientCode.Query:
      case ClientCode.FunctionCall: {
        // answered like a query
        const known = scope ?? UNKNOWN_SCOPE;
        this.asks.push({ kind: "query", scope: this.open.portalsRead(known) });
        this.open.afterPortalsDropped(known);
        return null;
      }
      case ClientCode.Parse: {
        const name = cstringAt(raw, TAGGED_HEADER_BYTES);
        const entry: StatementEntry = { scope: scope ?? EMPTY_SCOPE, fields: null, isDescribeAsked: false };
        this.asks.push({ kind: "parse", name, entry, previous: this.open.parsed(name, entry) });
        return null;
      }
      case ClientCode.Bind:
        this.noteBind(raw, scope);
        return null;
      case ClientCode.Describe: {
        const name = cstringAt(raw, TAGGED_HEADER_BYTES + 1);
        if (raw[TAGGED_HEADER_BYTES] === TargetCode.Statement) {
          const entry = this.open.statement(name) ?? null;
          if (entry) entry.isDescribeAsked = true;
          this.asks.push({ kind: "describeStatement", entry });
        } else {
          const portal = this.open.portalNamed(name);
          portal.isDescribeAsked = true;
          this.asks.push({ kind: "describePortal", portal, isHidden: false });
        }
        return null;
      }
      case ClientCode.Execute: {
        const name = cstringAt(raw, TAGGED_HEADER_BYTES);
        const portal = this.open.portalNamed(name);
        const read = this.open.portalsRead(portal.scope);
        if (read !== portal.scope) {
          portal.scope = read;
          portal.plan = null;
        }
        let describe: Buffer | null = null;
        if (!portal.isDescribeAsked && !portal.statement?.isDescribeAsked) {
          portal.isDescribeAsked = true;
          this.asks.push({ kind: "describePortal", portal, isHidden: true });
          describe = describePortalBytes(raw, name);
        }
        this.asks.push({ kind: "execute", portal });
        this.open.afterPortalsDropped(portal.scope);
        return describe;
      }
      case ClientCode.Close: {
        const target = raw[TAGGED_HEADER_BYTES] === TargetCode.Statement ? "S" : "P";
        const name = cstringAt(raw, TAGGED_HEADER_BYTES + 1);
        const entry = target === "S" ? this.open.statement(name) : this.open.portal(name);
        this.asks.push({ kind: "close", target, name, entry });
        return null;
      }
      case ClientCode.Sync:
        this.asks.push(SYNC_ASK);
        return null;
      default:
        // Flush, CopyData, CopyDone, CopyFail, Terminate: nothing is answered for them alone.
        return null;
    }
  }

  /** Follows one upstream message; says what it answers. */
  onAnswer(type: number, body: Buffer): Pairing {
    switch (type) {
      case ServerCode.DataRow:
        return { kind: "row", source: this.rowSource() };
      case ServerCode.RowDescription:
      case ServerCode.NoData:
        return this.onDescription(type === ServerCode.RowDescription ? this.describedFields(body) : []);
      case ServerCode.ParseComplete:
      case ServerCode.BindComplete:
        this.asks.shift();
        return OTHER;
      case ServerCode.CloseComplete: {
        const ask = this.asks.shift();
        if (ask?.kind === "close") this.open.closed(ask);
        return OTHER;
      }
      case ServerCode.CommandComplete:
      case ServerCode.EmptyQueryResponse:
        if (this.asks.peek()?.kind === "query") this.current = null;
        else this.asks.shift();
        return OTHER;
      case ServerCode.PortalSuspended:
        this.asks.shift();
        return OTHER;
      case ServerCode.ErrorResponse:
        this.onError();
        return OTHER;
      case ServerCode.ReadyForQuery:
        this.onReady(body[0]);
        return OTHER;
      default:
        return OTHER;
    }
  }

  /**
   * `onAnswer` of a message whose body is `bytes[start..end]`, read where it lies (no view of it):
   * of the bodies `onAnswer` reads, a RowDescription's is compared with the last one in place (and
   * parsed only when it differs) and a ReadyForQuery's status byte read; the others are never read.
   */
  onAnswerAt(type: number, bytes: Buffer, start: number, end: number): Pairing {
    if (type === ServerCode.RowDescription)
      return this.onDescription(this.describedFieldsAt(bytes, start, end));
    if (type === ServerCode.ReadyForQuery) {
      this.onReady(start < end ? bytes[start] : undefined);
      return OTHER;
    }
    return this.onAnswer(type, EMPTY_BODY);
  }

  /**
   * Whether `source` is the result of a simple Query now arriving: its rows come in one run, and once
   * its CommandComplete has come no message is paired with it again.
   */
  isQueryResult(source: ResultSource): boolean {
    return source === this.current && this.asks.peek()?.kind === "query";
  }

  rowSource(): ResultSource | null {
    const ask = this.asks.peek();
    if (ask?.kind === "execute") return ask.portal;
    if (ask?.kind === "query") return this.current;
    return null;
  }

  /** The scopes of everything asked and not yet answered: an error or notice may come from any. */
  scopesInFlight(): ResultScope[] {
    return this.asks.scopesInto(this.current ? [this.current.scope] : []);
  }

  private noteBind(raw: Buffer, scope: ResultScope | undefined): void {
    const portalEnd = nulAt(raw, TAGGED_HEADER_BYTES);
    const name = this.nameAt(raw, TAGGED_HEADER_BYTES, portalEnd);
    const statementEnd = nulAt(raw, portalEnd + 1);
    const statement = this.open.statement(this.nameAt(raw, portalEnd + 1, statementEnd)) ?? null;
    // A Bind judged again brings the verdict its statement now has.
    if (statement && scope) statement.scope = scope;
    const portal = boundPortal(statement, bindResultFormats(raw, statementEnd + 1));
    this.asks.push({ kind: "bind", name, portal, previous: this.open.bound(name, portal) });
  }

  /** `textAt`, for a name sent before without a new string (the memo keeps what `textAt` made). */
  private nameAt(raw: Buffer, start: number, end: number): string {
    if (end === start) return "";
    const kept = this.names.find(raw, start, end);
    if (kept !== null) return kept;
    const text = textAt(raw, start, end);
    this.names.keep(raw, start, end, text);
    return text;
  }

  private describedFields(body: Buffer): FieldInfo[] {
    return this.describedFieldsAt(body, 0, body.length);
  }

  /** The fields of the RowDescription body `bytes[start..end]`: the last ones when the bytes are equal. */
  private describedFieldsAt(bytes: Buffer, start: number, end: number): FieldInfo[] {
    const last = this.lastDescription;
    if (last && isSameBytesAt(last.body, bytes, start, end)) return last.fields;
    const body = bytes.subarray(start, end);
    const fields = parseRowDescription(body);
    this.lastDescription = { body: Buffer.from(body), fields };
    return fields;
  }

  private onDescription(fields: FieldInfo[]): Pairing {
    const ask = this.asks.peek();
    switch (ask?.kind) {
      case "describeStatement":
        if (ask.entry) ask.entry.fields = fields;
        this.asks.shift();
        return SHOWN;
      case "describePortal":
        ask.portal.fields = fields;
        this.asks.shift();
        return ask.isHidden ? HIDDEN : SHOWN;
      case "query":
        this.current = queryResult(ask.scope, fields);
        return SHOWN;
      default:
        // Not paired with anything: whatever rows follow are masked whole.
        this.current = null;
        return SHOWN;
    }
  }

  /** After an error the server skips everything up to Sync: each skipped ask is undone. */
  private onError(): void {
    if (this.asks.peek()?.kind === "query") {
      this.current = null;
      return;
    }
    let isFirst = true;
    for (let skipped = this.asks.peek(); skipped; skipped = this.asks.peek()) {
      if (skipped.kind === "sync" || skipped.kind === "query") break;
      this.asks.shift();
      this.open.undo(skipped, isFirst);
      isFirst = false;
    }
  }

  /** ReadyForQuery ends a Sync's or a Query's answers; outside a transaction no portal is left. */
  private onReady(status: number | undefined): void {
    this.asks.dropThroughReady();
    this.current = null;
    // Idle: the transaction, and its portals, are gone.
    if (status === TransactionStatus.Idle) this.open.transactionEnded();
  }
}
