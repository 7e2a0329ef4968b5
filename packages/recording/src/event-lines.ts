import type { NdjsonBlocks } from "./ndjson-blocks";

/** The `,"type":"…","n":` of each line type written piece by piece. */
const LINE_TYPE_KEYS = {
  columns: ',"type":"columns","n":',
  row: ',"type":"row","n":',
  complete: ',"type":"complete","n":',
  ready: ',"type":"ready","n":',
} as const;
type LineTypeKey = (typeof LINE_TYPE_KEYS)[keyof typeof LINE_TYPE_KEYS];

/**
 * The result lines `SessionRecorder` writes at a drain straight from the wire bytes (columns, rows,
 * completions, readiness), piece by piece into the pending NDJSON, each exactly as `encodeEvent`
 * would write its event: a result costs no event object per row. What the lines say (counts,
 * formats, which statement) stays the recorder's.
 */
export class EventLines {
  /** `t` and `n` as last written by `startLine`, and the numbers they were written from. */
  private tText = "0";
  private tTextOf = 0;
  private nText = "0";
  private nTextOf = 0;

  constructor(private readonly pending: NdjsonBlocks) {}

  /**
   * `{"t":…,"type":"…","n":…` of a line written piece by piece. A read's lines (columns, rows,
   * completion, readiness) share one entry's `t` and one statement's `n`: each is written as text
   * once, not once per line, and the type's key is a constant.
   */
  private startLine(t: number, n: number, typeKey: LineTypeKey): void {
    if (t !== this.tTextOf) {
      this.tTextOf = t;
      this.tText = String(t);
    }
    if (n !== this.nTextOf) {
      this.nTextOf = n;
      this.nText = String(n);
    }
    this.pending.ascii('{"t":');
    this.pending.ascii(this.tText);
    this.pending.ascii(typeKey);
    this.pending.ascii(this.nText);
  }

  /** The columns event, its names already JSON (encoded once per distinct RowDescription). */
  columns(t: number, n: number, names: Buffer): void {
    this.startLine(t, n, LINE_TYPE_KEYS.columns);
    this.pending.ascii(',"names":');
    this.pending.json(names);
    this.pending.ascii("}");
    this.pending.endLine();
  }

  ready(t: number, n: number): void {
    this.startLine(t, n, LINE_TYPE_KEYS.ready);
    this.pending.ascii("}");
    this.pending.endLine();
  }

  /** CommandComplete (its body `bytes[start..end]`): its tag, and the result's row counts. */
  complete(
    t: number,
    n: number,
    bytes: Buffer,
    start: number,
    end: number,
    rows: number,
    truncatedRows: number,
  ): void {
    const tagEnd = bytes.indexOf(0, start);
    this.startLine(t, n, LINE_TYPE_KEYS.complete);
    this.pending.ascii(',"tag":');
    this.pending.jsonString(bytes, start, tagEnd >= start && tagEnd < end ? tagEnd : end);
    this.pending.ascii(',"rows":');
    this.pending.int(rows);
    this.pending.ascii(',"truncatedRows":');
    this.pending.int(truncatedRows);
    this.pending.ascii("}");
    this.pending.endLine();
  }

  /** A well-formed DataRow whose body starts at `start`: its values as text (binary ones as hex). */
  row(t: number, n: number, bytes: Buffer, start: number, formats: readonly number[]): void {
    const count = bytes.readInt16BE(start);
    this.startLine(t, n, LINE_TYPE_KEYS.row);
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
      if (formats[i] === 1) {
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
}
