import { type FieldInfo, parseRowDescription } from "@sluice/masking/row-description";
import type { MaskPlan } from "@sluice/masking/row-masker";
import { ClientCode } from "@sluice/wire/client-codes";
import { NameMemo } from "@sluice/wire/client-messages";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { nulAt } from "@sluice/wire/nul-scan";
import { ServerCode, TargetCode, TransactionStatus } from "@sluice/wire/server-codes";
import { InOrderQueue } from "./in-order-queue";
import {
  bindResultFormats,
  cstringAt,
  describePortalBytes,
  isSameBytesAt,
  NO_FORMATS,
  textAt,
} from "./pairing-bytes";
import { PortalNames } from "./portal-names";
import { EMPTY_SCOPE, type ResultScope, UNKNOWN_SCOPE, withPortalsRead } from "./result-scope";

/**
 * A statement as the server knows it: the scope its verdict gave and, once a Describe of it was
 * answered, its columns (formats not yet known: a Bind chooses them).
 */
type StatementEntry = { scope: ResultScope; fields: FieldInfo[] | null; isDescribeAsked: boolean };

/**
 * Whatever produces rows: a portal (Bind → Execute) or one result of a simple Query. Its columns
 * come from its own RowDescription, or from its statement's with the Bind's result formats.
 */
export type ResultSource = {
  scope: ResultScope;
  fields: FieldInfo[] | null;
  statement: StatementEntry | null;
  resultFormats: readonly number[];
  isDescribeAsked: boolean;
  /**
   * The masker's plan for these rows, once made ("clean": its rows pass as they are; see
   * `ResultMasker.planOf`). Kept on the source, so it lives exactly as long as the portal: a
   * WeakMap entry per Bind cost every new portal V8's ephemeron write barrier, and the
   * young-generation collector a pass over the map. Two fields, not a record of both: one object
   * fewer per Bind.
   */
  plan: MaskPlan | "clean" | null;
  /** The masking key `plan` was made under (null: none held while it was made). */
  planKey: object | null;
};

/** One message sent upstream that the server will answer, in the order it will answer. */
type Ask =
  | { kind: "query"; scope: ResultScope }
  | { kind: "parse"; name: string; entry: StatementEntry; previous: StatementEntry | undefined }
  | { kind: "bind"; name: string; portal: ResultSource; previous: ResultSource | undefined }
  | { kind: "describeStatement"; entry: StatementEntry | null }
  | { kind: "describePortal"; portal: ResultSource; isHidden: boolean }
  | { kind: "execute"; portal: ResultSource }
  | { kind: "close"; target: "S" | "P"; name: string; entry: StatementEntry | ResultSource | undefined }
  | { kind: "sync" };

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
/** A Sync's ask carries nothing of its own: one object for all, frozen (one per transaction was garbage). */
const SYNC_ASK: Ask = Object.freeze({ kind: "sync" });
/** The result formats of a Bind that names none (all text, as most clients bind), shared. */
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
  private readonly asks = new InOrderQueue<Ask>();
  private readonly statements = new Map<string, StatementEntry>();
  private readonly portals = new PortalNames<ResultSource>();
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
        this.push({ kind: "query", scope: this.portalsRead(known) });
        this.afterPortalsDropped(known);
        return null;
      }
      case ClientCode.Parse: {
        const name = cstringAt(raw, TAGGED_HEADER_BYTES);
        const entry: StatementEntry = { scope: scope ?? EMPTY_SCOPE, fields: null, isDescribeAsked: false };
        this.push({ kind: "parse", name, entry, previous: this.statements.get(name) });
        this.statements.set(name, entry);
        return null;
      }
      case ClientCode.Bind:
        this.noteBind(raw, scope);
        return null;
      case ClientCode.Describe: {
        const name = cstringAt(raw, TAGGED_HEADER_BYTES + 1);
        if (raw[TAGGED_HEADER_BYTES] === TargetCode.Statement) {
          const entry = this.statements.get(name) ?? null;
          if (entry) entry.isDescribeAsked = true;
          this.push({ kind: "describeStatement", entry });
        } else {
          const portal = this.portalNamed(name);
          portal.isDescribeAsked = true;
          this.push({ kind: "describePortal", portal, isHidden: false });
        }
        return null;
      }
      case ClientCode.Execute: {
        const name = cstringAt(raw, TAGGED_HEADER_BYTES);
        const portal = this.portalNamed(name);
        const read = this.portalsRead(portal.scope);
        if (read !== portal.scope) {
          portal.scope = read;
          portal.plan = null;
        }
        let describe: Buffer | null = null;
        if (!portal.isDescribeAsked && !portal.statement?.isDescribeAsked) {
          portal.isDescribeAsked = true;
          this.push({ kind: "describePortal", portal, isHidden: true });
          describe = describePortalBytes(raw, name);
        }
        this.push({ kind: "execute", portal });
        this.afterPortalsDropped(portal.scope);
        return describe;
      }
      case ClientCode.Close: {
        const target = raw[TAGGED_HEADER_BYTES] === TargetCode.Statement ? "S" : "P";
        const name = cstringAt(raw, TAGGED_HEADER_BYTES + 1);
        const entry = target === "S" ? this.statements.get(name) : this.portals.get(name);
        this.push({ kind: "close", target, name, entry });
        return null;
      }
      case ClientCode.Sync:
        this.push(SYNC_ASK);
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
        this.shift();
        return OTHER;
      case ServerCode.CloseComplete:
        this.onCloseComplete();
        return OTHER;
      case ServerCode.CommandComplete:
      case ServerCode.EmptyQueryResponse:
        if (this.peek()?.kind === "query") this.current = null;
        else this.shift();
        return OTHER;
      case ServerCode.PortalSuspended:
        this.shift();
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
    return source === this.current && this.peek()?.kind === "query";
  }

  rowSource(): ResultSource | null {
    const ask = this.peek();
    if (ask?.kind === "execute") return ask.portal;
    if (ask?.kind === "query") return this.current;
    return null;
  }

  /** The scopes of everything asked and not yet answered: an error or notice may come from any. */
  scopesInFlight(): ResultScope[] {
    const scopes: ResultScope[] = this.current ? [this.current.scope] : [];
    for (let i = 0, ask = this.asks.at(0); ask; ask = this.asks.at(++i)) {
      if (ask.kind === "query") scopes.push(ask.scope);
      else if (ask.kind === "parse") scopes.push(ask.entry.scope);
      else if (ask.kind === "bind" || ask.kind === "execute" || ask.kind === "describePortal")
        scopes.push(ask.portal.scope);
    }
    return scopes;
  }

  private noteBind(raw: Buffer, scope: ResultScope | undefined): void {
    const portalEnd = nulAt(raw, TAGGED_HEADER_BYTES);
    const name = this.nameAt(raw, TAGGED_HEADER_BYTES, portalEnd);
    const statementEnd = nulAt(raw, portalEnd + 1);
    const statement = this.statements.get(this.nameAt(raw, portalEnd + 1, statementEnd)) ?? null;
    // A Bind judged again brings the verdict its statement now has.
    if (statement && scope) statement.scope = scope;
    const portal: ResultSource = {
      scope: statement?.scope ?? UNKNOWN_SCOPE,
      fields: null,
      statement,
      resultFormats: bindResultFormats(raw, statementEnd + 1),
      isDescribeAsked: false,
      plan: null,
      planKey: null,
    };
    this.push({ kind: "bind", name, portal, previous: this.portals.get(name) });
    this.portals.set(name, portal);
  }

  /** A FETCH's scope widened by every portal it could name, as they stand when it runs. */
  private portalsRead(scope: ResultScope): ResultScope {
    return scope.fetchesPortals && this.portals.size > 0
      ? withPortalsRead(scope, this.portals.values())
      : scope;
  }

  /**
   * SQL that may close or replace portals (CLOSE, DECLARE, COMMIT or ROLLBACK TO inside a pipeline)
   * leaves no name trusted: a portal executed by name after it counts as one the gateway never saw
   * bound (fail closed: its computed columns are masked), not as the Bind that once had the name.
   */
  private afterPortalsDropped(scope: ResultScope): void {
    if (scope.dropsPortals && this.portals.size > 0) this.portals.clear();
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

  /** A portal by name; one never bound through the gateway (a SQL cursor) comes from nowhere known. */
  private portalNamed(name: string): ResultSource {
    let portal = this.portals.get(name);
    if (!portal) {
      portal = {
        scope: UNKNOWN_SCOPE,
        fields: null,
        statement: null,
        resultFormats: NO_FORMATS,
        isDescribeAsked: false,
        plan: null,
        planKey: null,
      };
      this.portals.set(name, portal);
    }
    return portal;
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
    const ask = this.peek();
    switch (ask?.kind) {
      case "describeStatement":
        if (ask.entry) ask.entry.fields = fields;
        this.shift();
        return SHOWN;
      case "describePortal":
        ask.portal.fields = fields;
        this.shift();
        return ask.isHidden ? HIDDEN : SHOWN;
      case "query":
        this.current = {
          scope: ask.scope,
          fields,
          statement: null,
          resultFormats: NO_FORMATS,
          isDescribeAsked: true,
          plan: null,
          planKey: null,
        };
        return SHOWN;
      default:
        // Not paired with anything: whatever rows follow are masked whole.
        this.current = null;
        return SHOWN;
    }
  }

  private onCloseComplete(): void {
    const ask = this.shift();
    if (ask?.kind !== "close") return;
    if (ask.target === "S") {
      if (this.statements.get(ask.name) === ask.entry) this.statements.delete(ask.name);
    } else if (this.portals.get(ask.name) === ask.entry) this.portals.delete(ask.name);
  }

  /**
   * After an error the server skips everything up to Sync: what those messages would have
   * created never existed, so each name goes back to what it was. A failed Parse of the unnamed
   * statement leaves none (the server drops it first).
   */
  private onError(): void {
    const ask = this.peek();
    if (ask?.kind === "query") {
      this.current = null;
      return;
    }
    let isFirst = true;
    for (let skipped = this.peek(); skipped; skipped = this.peek()) {
      if (skipped.kind === "sync" || skipped.kind === "query") break;
      this.shift();
      if (skipped.kind === "parse" && this.statements.get(skipped.name) === skipped.entry) {
        if (skipped.previous && !(isFirst && skipped.name === ""))
          this.statements.set(skipped.name, skipped.previous);
        else this.statements.delete(skipped.name);
      } else if (skipped.kind === "bind" && this.portals.get(skipped.name) === skipped.portal) {
        if (skipped.previous) this.portals.set(skipped.name, skipped.previous);
        else this.portals.delete(skipped.name);
      }
      isFirst = false;
    }
  }

  /** ReadyForQuery ends a Sync's or a Query's answers; outside a transaction no portal is left. */
  private onReady(status: number | undefined): void {
    for (let ask = this.shift(); ask; ask = this.shift()) {
      if (ask.kind === "sync" || ask.kind === "query") break;
    }
    this.current = null;
    // Idle: the transaction, and its portals, are gone.
    if (status === TransactionStatus.Idle) this.portals.clear();
  }

  private push(ask: Ask): void {
    this.asks.push(ask);
  }

  private peek(): Ask | undefined {
    return this.asks.peek();
  }

  private shift(): Ask | undefined {
    return this.asks.shift();
  }
}

/**
 * The columns of rows a source produces: its own RowDescription, or its statement's with the
 * Bind's result formats applied (none: all text; one: all alike; else one per column).
 */
export function fieldsOf(source: ResultSource): FieldInfo[] | null {
  if (source.fields) return source.fields;
  const described = source.statement?.fields;
  if (!described) return null;
  const formats = source.resultFormats;
  return described.map((field, i) => ({
    ...field,
    format: formats.length === 0 ? 0 : formats.length === 1 ? (formats[0] as number) : (formats[i] ?? 0),
  }));
}
