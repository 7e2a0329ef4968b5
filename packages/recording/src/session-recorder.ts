import { parseRowDescription } from "@sluice/masking/row-description";
import { encodeEvent, type RecordingEvent } from "./events";
import { NdjsonBlocks } from "./ndjson-blocks";
import { redactStatement } from "./redact-statement";

/** Per statement, result bytes beyond this are counted, not recorded (a connection can change it). */
export const DEFAULT_RECORD_RESULT_BYTES = 1024 * 1024;
/** Events waiting for the next flush; beyond this, rows are dropped (counted) until it happens. */
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;

type Clock = () => number;

/**
 * Turns what a session does into recording events: statements and verdicts from the decision hook,
 * results from the bytes written to the client (so they are recorded masked, exactly as received).
 * Holds only the events since the last `drain`, as NDJSON bytes off the JavaScript heap (rows,
 * completions and readiness written straight from the wire bytes), bounded by MAX_PENDING_BYTES.
 */
export class SessionRecorder {
  private pending = new NdjsonBlocks();
  private statement = 0;
  private resultBytes = 0;
  private rows = 0;
  private truncatedRows = 0;
  private formats: number[] = [];
  private readonly startedAt: number;

  constructor(private readonly options: { resultBytesCap: number; clock?: Clock }) {
    this.startedAt = this.now();
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private push(event: RecordingEvent): void {
    this.pending.line(encodeEvent(event));
  }

  /** `{"t":…,"type":"…","n":…` of a line written piece by piece. */
  private startLine(type: string): void {
    this.pending.ascii('{"t":');
    this.pending.int(this.t());
    this.pending.ascii(`,"type":"${type}","n":`);
    this.pending.int(this.statement);
  }

  private t(): number {
    return this.now() - this.startedAt;
  }

  connect(info: Omit<Extract<RecordingEvent, { type: "connect" }>, "t" | "type">): void {
    this.push({ t: this.t(), type: "connect", ...info });
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
    if (!isRelease) {
      this.statement += 1;
      this.resetResult();
      // Refused and held statements are where typed values matter most: their literals go too.
      const recorded = redactStatement(
        sql,
        verdict.kind !== "allow" || (verdict.maskedTables?.length ?? 0) > 0,
      );
      this.push({ t: this.t(), type: "statement", n: this.statement, sql: recorded });
    }
    this.push({
      t: this.t(),
      type: "verdict",
      n: this.statement,
      kind: verdict.kind,
      ...(verdict.rule ? { rule: verdict.rule } : {}),
      ...(verdict.message ? { message: verdict.message } : {}),
      ...(verdict.maskedTables?.length ? { maskedTables: [...new Set(verdict.maskedTables)] } : {}),
    });
  }

  /**
   * Whole messages as one write to the client carried them (already masked). Rows past the cap are
   * counted without being looked at: a long result costs the recorder almost nothing per row.
   */
  toClientBytes(bytes: Buffer): void {
    for (let offset = 0; offset + 5 <= bytes.length; ) {
      const type = bytes[offset] as number;
      const end = offset + 1 + bytes.readUInt32BE(offset + 1);
      if (type === 0x44) this.rowAt(bytes, offset + 5, end);
      else if (type === 0x5a) this.ready();
      else if (type === 0x43) this.complete(bytes, offset + 5, end);
      else this.toClient(type, bytes.subarray(offset + 5, end));
      offset = end;
    }
  }

  /** A message as written to the client (already masked). */
  toClient(type: number, body: Buffer): void {
    switch (type) {
      case 0x54: {
        const fields = parseRowDescription(body);
        this.formats = fields.map((field) => field.format);
        this.push({
          t: this.t(),
          type: "columns",
          n: this.statement,
          names: fields.map((field) => field.name),
        });
        return;
      }
      case 0x44:
        this.rowAt(body, 0, body.length);
        return;
      case 0x43:
        this.complete(body, 0, body.length);
        return;
      case 0x45:
      case 0x4e: {
        const fields = errorFields(body);
        if (type === 0x45) {
          this.push({
            t: this.t(),
            type: "error",
            n: this.statement,
            severity: fields.V ?? fields.S ?? "ERROR",
            code: fields.C ?? "",
            message: fields.M ?? "",
          });
        } else {
          this.push({ t: this.t(), type: "notice", n: this.statement, message: fields.M ?? "" });
        }
        return;
      }
      case 0x5a:
        this.ready();
        return;
      default:
        return;
    }
  }

  end(reason: string): void {
    this.push({ t: this.t(), type: "end", reason });
  }

  /** The events since the last drain, oldest first, as NDJSON text. */
  drain(): string {
    return this.drainBytes().bytes.toString("utf8");
  }

  /** The events since the last drain as NDJSON bytes, and how many there are. */
  drainBytes(): { bytes: Buffer; events: number } {
    const { bytes, lines } = this.pending.take();
    return { bytes, events: lines };
  }

  get hasPending(): boolean {
    return this.pending.lines > 0;
  }

  private ready(): void {
    this.startLine("ready");
    this.pending.ascii("}");
    this.pending.endLine();
  }

  /** CommandComplete: its tag, and how many rows the result had (and how many were not recorded). */
  private complete(bytes: Buffer, start: number, end: number): void {
    const tagEnd = bytes.indexOf(0, start);
    this.startLine("complete");
    this.pending.ascii(',"tag":');
    this.pending.jsonString(bytes, start, tagEnd >= start && tagEnd < end ? tagEnd : end);
    this.pending.ascii(',"rows":');
    this.pending.int(this.rows);
    this.pending.ascii(',"truncatedRows":');
    this.pending.int(this.truncatedRows);
    this.pending.ascii("}");
    this.pending.endLine();
    this.resetResult();
  }

  /** A DataRow whose body is `bytes[start..end]`: its values as text (binary ones as hex). */
  private rowAt(bytes: Buffer, start: number, end: number): void {
    this.rows += 1;
    if (this.isPastCap(end - start)) {
      this.truncatedRows += 1;
      return;
    }
    this.resultBytes += end - start;
    const count = bytes.readInt16BE(start);
    this.startLine("row");
    this.pending.ascii(',"values":[');
    let offset = start + 2;
    for (let i = 0; i < count; i++) {
      if (i > 0) this.pending.ascii(",");
      const length = bytes.readInt32BE(offset);
      offset += 4;
      if (length < 0) {
        this.pending.ascii("null");
        continue;
      }
      if (this.formats[i] === 1) {
        // Binary-format values are recorded as hex, the way psql shows bytea.
        this.pending.ascii(`"\\\\x${bytes.toString("hex", offset, offset + length)}"`);
      } else {
        this.pending.jsonString(bytes, offset, offset + length);
      }
      offset += length;
    }
    this.pending.ascii("]}");
    this.pending.endLine();
  }

  private isPastCap(rowBytes: number): boolean {
    return (
      this.resultBytes + rowBytes > this.options.resultBytesCap ||
      this.pending.bytes + rowBytes > MAX_PENDING_BYTES
    );
  }

  private resetResult(): void {
    this.resultBytes = 0;
    this.rows = 0;
    this.truncatedRows = 0;
    this.formats = [];
  }
}

function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset] as number);
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    fields[code] = body.toString("utf8", offset + 1, end);
    offset = end + 1;
  }
  return fields;
}
