import { parseRowDescription } from "@sluice/masking/row-description";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { ErrorField, ServerCode } from "@sluice/wire/server-codes";
import { EventLines } from "./event-lines";
import {
  encodeEvent,
  jsonNumber,
  type RecordingEvent,
  STATEMENT_LINE_TAIL,
  statementLineHead,
  TablesJson,
  verdictLine,
} from "./events";
import { NdjsonBlocks } from "./ndjson-blocks";
import { errorFields, isWellFormedRow } from "./recorded-message-fields";
import { LastRedaction, type LiteralRedactor } from "./redact-statement";
import type { UntimedResultEvent } from "./result-events";
import {
  CLIENT_BYTES,
  DROPPED_ROWS,
  type EntryKind,
  LINE as LINE_ENTRY,
  STATEMENT,
  WireLog,
} from "./wire-log";

/** Per statement, result bytes beyond this are counted, not recorded (a connection can change it). */
export const DEFAULT_RECORD_RESULT_BYTES = 1024 * 1024;
/** Events waiting for the next flush; beyond this, rows are dropped (counted) until it happens. */
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;

type Clock = () => number;
/** `redactLiterals`: the session's dialect's lexer, for literals of statements whose values may be sensitive. */
type RecorderOptions = { resultBytesCap: number; redactLiterals: LiteralRedactor; clock?: Clock };

/** What the recording shows besides rows: RowDescription, CommandComplete, errors, notices, ReadyForQuery. */
const RECORDED_MESSAGES: ReadonlySet<number> = new Set([
  ServerCode.RowDescription,
  ServerCode.CommandComplete,
  ServerCode.ErrorResponse,
  ServerCode.NoticeResponse,
  ServerCode.ReadyForQuery,
]);

/**
 * Turns what a session does into recording events: statements and verdicts from the decision hook,
 * results from the bytes written to the client (so they are recorded masked, exactly as received).
 * Holds only what happened since the last `drain`, off the JavaScript heap: the client's bytes as
 * they were sent (a copy per write), turned into NDJSON events at the drain, in bulk (rows,
 * completions and readiness written straight from the wire bytes). Bounded by MAX_PENDING_BYTES.
 */
export class SessionRecorder {
  private readonly log = new WireLog();
  private pending = new NdjsonBlocks();
  /** Result lines written from the wire bytes into `pending`. */
  private readonly lines = new EventLines(this.pending);
  /** Statements seen as they happen (numbering the lines recorded at once). */
  private recordedStatements = 0;
  /** When the entry being turned into events happened. */
  private entryT = 0;
  /** Row bytes of the current result copied into the log (the cap is applied as rows arrive). */
  private keptResultBytes = 0;
  private statement = 0;
  private rows = 0;
  private truncatedRows = 0;
  private formats: number[] = [];
  /**
   * The last RowDescription and what the recording made of it: a statement run again (a prepared
   * one, a repeated query) describes the same columns, so its bytes are compared, not decoded again.
   */
  private lastColumns: { body: Buffer; formats: number[]; names: Buffer } | null = null;
  private readonly startedAt: number;
  /** The statement text as recorded, the last one remembered (a repeated statement's is the same). */
  private readonly redaction = new LastRedaction();
  /** The verdict lines' masked tables, the last list's JSON remembered (a repeated read's is the same). */
  private readonly tablesJson = new TablesJson();

  constructor(private readonly options: RecorderOptions) {
    this.startedAt = this.now();
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** An event as it happens, into the log. */
  private record(event: RecordingEvent, kind: typeof LINE_ENTRY | typeof STATEMENT = LINE_ENTRY): void {
    this.log.text(kind, event.t, encodeEvent(event));
  }

  /** An event found while the log is turned into events. */
  private push(event: RecordingEvent): void {
    this.pending.line(encodeEvent(event));
  }

  private t(): number {
    return this.now() - this.startedAt;
  }

  connect(info: Omit<Extract<RecordingEvent, { type: "connect" }>, "t" | "type">): void {
    this.record({ t: this.t(), type: "connect", ...info });
  }

  /** A statement and its verdict; a hold is followed later by the released verdict. */
  verdict(
    sql: string,
    verdict: {
      kind: "allow" | "deny" | "hold";
      rule?: string;
      message?: string;
      maskedTables?: readonly string[];
    },
    isRelease: boolean,
  ): void {
    // One reading of the clock for both lines: they are one moment of the session (and one number
    // written once for both, as is the statement's).
    const t = this.t();
    const tJson = jsonNumber(t);
    if (!isRelease) {
      this.recordedStatements += 1;
      this.keptResultBytes = 0;
    }
    const nJson = jsonNumber(this.recordedStatements);
    if (!isRelease) {
      // Refused and held statements are where typed values matter most: their literals go too.
      const isSensitive = verdict.kind !== "allow" || (verdict.maskedTables?.length ?? 0) > 0;
      const recorded = this.redaction.of(sql, isSensitive ? this.options.redactLiterals : null);
      this.log.textWithString(STATEMENT, t, statementLineHead(tJson, nJson), recorded, STATEMENT_LINE_TAIL);
    }
    const tables = verdict.maskedTables;
    const line = verdictLine(
      tJson,
      nJson,
      // An empty rule or message is left out, as an absent one.
      { kind: verdict.kind, rule: verdict.rule || undefined, message: verdict.message || undefined },
      tables?.length ? (tables.length === 1 ? tables : [...new Set(tables)]) : undefined,
      this.tablesJson,
    );
    this.log.text(LINE_ENTRY, t, line);
  }

  /**
   * An HTTP call: its request line and (already redacted) body start a new numbered exchange, as a
   * statement does; its verdict and response follow with `httpVerdict` and `httpResponse`.
   */
  httpRequest(call: { method: string; target: string; body?: string }): void {
    this.recordedStatements += 1;
    this.record({ t: this.t(), type: "http-request", n: this.recordedStatements, ...call }, STATEMENT);
  }

  httpVerdict(verdict: { kind: "allow" | "deny" | "hold"; rule?: string; message?: string }): void {
    this.record({ t: this.t(), type: "verdict", n: this.recordedStatements, ...verdict });
  }

  /** The response as the agent received it; the body is cut to the connection's result cap by the caller. */
  httpResponse(response: Omit<Extract<RecordingEvent, { type: "http-response" }>, "t" | "type" | "n">): void {
    this.record({ t: this.t(), type: "http-response", n: this.recordedStatements, ...response });
  }

  /** A result event another protocol read itself (MySQL rows, masked), in the current statement. */
  resultEvent(event: UntimedResultEvent): void {
    this.record({ ...event, t: this.t(), n: this.recordedStatements } as RecordingEvent);
  }

  /** The per-exchange cap on recorded body bytes (the connection's `recordResultBytes`). */
  get resultBytesCap(): number {
    return this.options.resultBytesCap;
  }

  /**
   * Whole messages as one write to the client carried them (already masked). Rows past the cap are
   * counted without being looked at: a long result costs the recorder almost nothing per row.
   */
  toClientBytes(bytes: Buffer): void {
    const t = this.t();
    const cap = this.options.resultBytesCap;
    // Runs of recorded messages are copied as they are; a row past the result cap (or past full
    // pending memory) ends the run and is only counted, and the count goes in before the next
    // message, ahead of the CommandComplete that reports it. Messages the recording does not show
    // (COPY data, notifications, binds) are left out. Only headers are read here.
    let runStart = 0;
    let dropped = 0;
    for (let offset = 0; offset + TAGGED_HEADER_BYTES <= bytes.length; ) {
      const type = bytes[offset] as number;
      const end = offset + 1 + bytes.readUInt32BE(offset + 1);
      if (type === ServerCode.DataRow) {
        const body = end - offset - 5;
        if (
          this.keptResultBytes + body > cap ||
          this.log.bytes + (offset - runStart) + body > MAX_PENDING_BYTES
        ) {
          if (offset > runStart) this.log.clientBytes(t, bytes, runStart, offset);
          dropped += 1;
          runStart = end;
        } else {
          this.keptResultBytes += body;
        }
      } else if (RECORDED_MESSAGES.has(type)) {
        if (dropped > 0) {
          if (offset > runStart) this.log.clientBytes(t, bytes, runStart, offset);
          this.log.droppedRows(t, dropped);
          dropped = 0;
          runStart = offset;
        }
        if (type === ServerCode.CommandComplete) this.keptResultBytes = 0;
      } else {
        if (offset > runStart) this.log.clientBytes(t, bytes, runStart, offset);
        runStart = end;
      }
      offset = end;
    }
    if (bytes.length > runStart) this.log.clientBytes(t, bytes, runStart, bytes.length);
    if (dropped > 0) this.log.droppedRows(t, dropped);
  }

  /** A message as written to the client (already masked): type and body. */
  toClient(type: number, body: Buffer): void {
    const head = Buffer.allocUnsafe(TAGGED_HEADER_BYTES);
    head[0] = type;
    head.writeUInt32BE(body.length + 4, 1);
    this.toClientBytes(Buffer.concat([head, body]));
  }

  /** One entry of the log as events. */
  private convert(kind: EntryKind, t: number, bytes: Buffer, start: number, end: number): void {
    this.entryT = t;
    if (kind === CLIENT_BYTES) {
      for (let offset = start; offset + TAGGED_HEADER_BYTES <= end; ) {
        const type = bytes[offset] as number;
        const next = offset + 1 + bytes.readUInt32BE(offset + 1);
        if (type === ServerCode.DataRow) this.rowAt(bytes, offset + TAGGED_HEADER_BYTES, next);
        else if (type === ServerCode.ReadyForQuery) this.ready();
        else if (type === ServerCode.CommandComplete)
          this.complete(bytes, offset + TAGGED_HEADER_BYTES, next);
        else this.messageOrSkip(type, bytes.subarray(offset + TAGGED_HEADER_BYTES, next));
        offset = next;
      }
    } else if (kind === DROPPED_ROWS) {
      this.rows += start;
      this.truncatedRows += start;
    } else {
      if (kind === STATEMENT) {
        this.statement += 1;
        this.resetResult();
      }
      this.pending.lineBytes(bytes, start, end);
    }
  }

  /** A message the server got wrong is left out of the recording, not allowed to stop it. */
  private messageOrSkip(type: number, body: Buffer): void {
    try {
      this.message(type, body);
    } catch {
      // A malformed RowDescription, error or notice: nothing of it is recorded.
    }
  }

  private message(type: number, body: Buffer): void {
    switch (type) {
      case ServerCode.RowDescription: {
        const columns = this.columnsOf(body);
        this.formats = columns.formats;
        this.lines.columns(this.entryT, this.statement, columns.names);
        return;
      }
      case ServerCode.DataRow:
        this.rowAt(body, 0, body.length);
        return;
      case ServerCode.CommandComplete:
        this.complete(body, 0, body.length);
        return;
      case ServerCode.ErrorResponse:
      case ServerCode.NoticeResponse: {
        const fields = errorFields(body);
        if (type === ServerCode.ErrorResponse) {
          this.push({
            t: this.entryT,
            type: "error",
            n: this.statement,
            severity: fields[ErrorField.SeverityText] ?? fields[ErrorField.Severity] ?? "ERROR",
            code: fields[ErrorField.Code] ?? "",
            message: fields[ErrorField.Message] ?? "",
          });
        } else {
          this.push({
            t: this.entryT,
            type: "notice",
            n: this.statement,
            message: fields[ErrorField.Message] ?? "",
          });
        }
        return;
      }
      case ServerCode.ReadyForQuery:
        this.ready();
        return;
      default:
        return;
    }
  }

  private columnsOf(body: Buffer): { formats: number[]; names: Buffer } {
    const last = this.lastColumns;
    if (last?.body.equals(body)) return last;
    const fields = parseRowDescription(body);
    const columns = {
      body: Buffer.from(body),
      formats: fields.map((field) => field.format),
      names: Buffer.from(JSON.stringify(fields.map((field) => field.name))),
    };
    this.lastColumns = columns;
    return columns;
  }

  end(reason: string): void {
    this.record({ t: this.t(), type: "end", reason });
  }

  /** The events since the last drain, oldest first, as NDJSON text. */
  drain(): string {
    return this.drainBytes().bytes.toString("utf8");
  }

  /** The events since the last drain as NDJSON bytes, and how many there are. */
  drainBytes(): { bytes: Buffer; events: number } {
    this.log.take((kind, t, bytes, start, end) => this.convert(kind, t, bytes, start, end));
    const { bytes, lines } = this.pending.take();
    return { bytes, events: lines };
  }

  get hasPending(): boolean {
    return this.log.bytes > 0;
  }

  /** Bytes logged since the last drain (rows past MAX_PENDING_BYTES are only counted, other events are kept). */
  get pendingBytes(): number {
    return this.log.bytes;
  }

  private ready(): void {
    this.lines.ready(this.entryT, this.statement);
  }

  /** CommandComplete: its tag, and how many rows the result had (and how many were not recorded). */
  private complete(bytes: Buffer, start: number, end: number): void {
    this.lines.complete(this.entryT, this.statement, bytes, start, end, this.rows, this.truncatedRows);
    this.resetResult();
  }

  /** A DataRow whose body is `bytes[start..end]`: its values as text (binary ones as hex). */
  private rowAt(bytes: Buffer, start: number, end: number): void {
    this.rows += 1;
    // The result cap was applied as the row was logged; a row the server got wrong is counted only.
    if (!isWellFormedRow(bytes, start, end)) {
      this.truncatedRows += 1;
      return;
    }
    this.lines.row(this.entryT, this.statement, bytes, start, this.formats);
  }

  private resetResult(): void {
    this.rows = 0;
    this.truncatedRows = 0;
    this.formats = [];
  }
}
