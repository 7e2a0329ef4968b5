import { parseRowDescription } from "@sluice/masking/row-description";
import { encodeEvent, type RecordingEvent } from "./events";
import { redactStatement } from "./redact-statement";

/** Per statement, result bytes beyond this are counted, not recorded (a connection can change it). */
export const DEFAULT_RECORD_RESULT_BYTES = 1024 * 1024;
/** Events waiting for the next flush; beyond this, rows are dropped (counted) until it happens. */
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;

type Clock = () => number;

/**
 * Turns what a session does into recording events: statements and verdicts from the decision hook,
 * results from the bytes written to the client (so they are recorded masked, exactly as received).
 * Holds only the events since the last `drain`, already as NDJSON lines (one small string per
 * event, not an object graph the garbage collector walks), bounded by MAX_PENDING_BYTES.
 */
export class SessionRecorder {
  private pending: string[] = [];
  private pendingBytes = 0;
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
    const line = encodeEvent(event);
    this.pending.push(line);
    this.pendingBytes += line.length;
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
      if (type === 0x44 && this.isPastCap(end - offset - 5)) {
        this.rows += 1;
        this.truncatedRows += 1;
      } else {
        this.toClient(type, bytes.subarray(offset + 5, end));
      }
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
        this.row(body);
        return;
      case 0x43: {
        const tag = body.toString("utf8", 0, Math.max(0, body.indexOf(0)));
        this.push({
          t: this.t(),
          type: "complete",
          n: this.statement,
          tag,
          rows: this.rows,
          truncatedRows: this.truncatedRows,
        });
        this.resetResult();
        return;
      }
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
        this.push({ t: this.t(), type: "ready", n: this.statement });
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
    const text = this.pending.length > 0 ? `${this.pending.join("\n")}\n` : "";
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  private row(body: Buffer): void {
    this.rows += 1;
    if (this.isPastCap(body.length)) {
      this.truncatedRows += 1;
      return;
    }
    this.resultBytes += body.length;
    const count = body.readInt16BE(0);
    const values: (string | null)[] = [];
    let offset = 2;
    for (let i = 0; i < count; i++) {
      const length = body.readInt32BE(offset);
      offset += 4;
      if (length < 0) {
        values.push(null);
        continue;
      }
      const bytes = body.subarray(offset, offset + length);
      offset += length;
      // Binary-format values are recorded as hex, the way psql shows bytea.
      values.push(this.formats[i] === 1 ? `\\x${bytes.toString("hex")}` : bytes.toString("utf8"));
    }
    this.push({ t: this.t(), type: "row", n: this.statement, values });
  }

  private isPastCap(rowBytes: number): boolean {
    return (
      this.resultBytes + rowBytes > this.options.resultBytesCap ||
      this.pendingBytes + rowBytes > MAX_PENDING_BYTES
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
