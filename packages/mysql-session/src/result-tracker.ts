import { maskDetectedValue } from "@sluice/masking/row-masker";
import { maskValue } from "@sluice/masking/strategies";
import { type ColumnDefinition, parseColumnDefinition } from "@sluice/mysql-wire/column-definition";
import { MySqlWireError } from "@sluice/mysql-wire/mysql-wire-error";
import { PayloadReader } from "@sluice/mysql-wire/payload-reader";
import {
  isEofPacket,
  isErrPacket,
  parseEofStatus,
  parseOk,
  STATUS_MORE_RESULTS,
} from "@sluice/mysql-wire/responses";
import {
  binaryString,
  encodeBinaryRow,
  encodeTextRow,
  parseBinaryRow,
  parseTextRow,
} from "@sluice/mysql-wire/rows";
import type { ResultEvent } from "@sluice/recording/result-events";
import type { RowPlan } from "./column-masking";
import { recordedValues, STRING_TYPES } from "./recorded-rows";

/** What the upstream's answer to one command looks like, so each packet is read for what it is. */
export type ExpectedResponse =
  /** `isCursorRequested`: a COM_STMT_EXECUTE asking for a cursor (its answer may hold no rows). */
  | { kind: "result"; rowFormat: "text" | "binary"; isCursorRequested?: boolean }
  /** COM_STMT_FETCH: binary rows of a cursor whose columns and plan its execution gave. */
  | { kind: "fetch"; cursor: OpenCursor }
  | { kind: "prepare" }
  /** COM_FIELD_LIST: column definitions (no rows) and a terminator. */
  | { kind: "field-list" }
  | { kind: "simple" };

/**
 * A statement's open cursor: the result set's columns and the whole masking plan of its execution
 * (column rules and the detectors' scans), so fetched rows are masked exactly as executed ones.
 */
export type OpenCursor = { columns: readonly ColumnDefinition[]; plan: RowPlan };

/** The server has an open cursor for the statement. @see https://mariadb.com/kb/en/ok_packet/#server-status-flag */
const STATUS_CURSOR_EXISTS = 0x0040;
/** The cursor's last row was sent: the server closed it. */
const STATUS_LAST_ROW_SENT = 0x0080;

/** PostgreSQL's text type OID: what the masking strategies write a placeholder into. */
const TEXT_TYPE_OID = 25;

export type TrackerEvent =
  | { kind: "packet"; payload: Buffer }
  | {
      kind: "done";
      isError: boolean;
      errorPayload?: Buffer;
      prepared?: { statementId: number };
      /** An execution opened a cursor: its rows come by COM_STMT_FETCH. */
      openedCursor?: OpenCursor;
      /** A fetch's answer said the cursor is gone (its last row sent, or none open). */
      isCursorClosed?: boolean;
    };

/**
 * Reads the upstream's answer to one command packet by packet (OK, ERR, or a result set: column
 * count, column definitions, EOF unless CLIENT_DEPRECATE_EOF, rows, terminator; more result sets
 * while SERVER_MORE_RESULTS_EXISTS), masks each row by its columns' plan, and says when the answer
 * is complete. A LOCAL INFILE request (0xFB) is never expected: the capability is never offered.
 * @see https://mariadb.com/kb/en/result-set-packets/
 */
export class ResultTracker {
  private state:
    | "first"
    | "columns"
    | "columns-eof"
    | "rows"
    | "prepare-params"
    | "prepare-params-eof"
    | "prepare-columns"
    | "prepare-columns-eof"
    | "done" = "first";
  private columnCount = 0;
  private columns: ColumnDefinition[] = [];
  private plan: RowPlan = { rules: [], scan: [], detectors: [] };
  /** Some column of the current result set is masked or searched: its rows are rewritten. */
  private isRewriting = false;
  /** Rows of the current result set: a cursor opens only on one that sent none. */
  private rowsInSet = 0;
  private remaining = 0;
  private paramCount = 0;
  private statementId = 0;

  constructor(
    private readonly expected: ExpectedResponse,
    private readonly isDeprecateEof: boolean,
    /** The masking plan of one result set, from its column definitions. */
    private readonly planFor: (columns: readonly ColumnDefinition[]) => RowPlan,
    private readonly hashKey: Buffer,
    /** The result as the client gets it (masked), for the session's recording. */
    private readonly onResult?: (event: ResultEvent) => void,
  ) {
    if (expected.kind === "fetch") {
      // A fetch's answer is rows and a terminator; the result set's head came with the execution.
      this.columns = [...expected.cursor.columns];
      this.usePlan(expected.cursor.plan);
      this.state = "rows";
      this.onResult?.({ type: "columns", names: this.columns.map((column) => column.name) });
    }
  }

  get isDone(): boolean {
    return this.state === "done";
  }

  /** The column definitions of the current result set (for a prepared statement's columns too). */
  get currentColumns(): readonly ColumnDefinition[] {
    return this.columns;
  }

  onPacket(payload: Buffer): TrackerEvent[] {
    if (this.expected.kind === "field-list") {
      // Column definitions start with their catalog "def" (0x03): only an ERR or 0xFE ends the list.
      if (this.state === "done")
        throw new MySqlWireError("the upstream sent a packet after its answer was complete");
      if (isErrPacket(payload) || isEofPacket(payload)) return this.finish(payload, isErrPacket(payload));
      return [{ kind: "packet", payload }];
    }
    switch (this.state) {
      case "first":
        return this.first(payload);
      case "columns":
        return this.column(payload);
      case "columns-eof":
        this.state = "rows";
        this.rowsInSet = 0;
        if (this.opensCursor(payload)) return this.finishWithCursor(payload);
        return [{ kind: "packet", payload }];
      case "rows":
        return this.row(payload);
      case "prepare-params":
      case "prepare-params-eof":
      case "prepare-columns":
      case "prepare-columns-eof":
        return this.prepareMetadata(payload);
      case "done":
        throw new MySqlWireError("the upstream sent a packet after its answer was complete");
    }
  }

  private first(payload: Buffer): TrackerEvent[] {
    if (isErrPacket(payload)) return this.finish(payload, true);
    if (this.expected.kind === "prepare" && payload[0] === 0x00) {
      const reader = new PayloadReader(payload);
      reader.int1();
      this.statementId = reader.int4();
      this.columnCount = reader.int2();
      this.paramCount = reader.int2();
      this.remaining = this.paramCount;
      this.state = "prepare-params";
      return [{ kind: "packet", payload }, ...this.advancePrepare()];
    }
    if (payload[0] === 0x00) {
      const ok = parseOk(payload);
      if (this.expected.kind === "result")
        this.onResult?.({ type: "complete", tag: `OK ${ok.affectedRows}` });
      if ((ok.status & STATUS_MORE_RESULTS) !== 0) return [{ kind: "packet", payload }];
      return this.finish(payload, false);
    }
    if (payload[0] === 0xfb)
      throw new MySqlWireError("the upstream asked for a LOCAL INFILE, which Sluice never allows");
    if (this.expected.kind !== "result") throw new MySqlWireError("unexpected result set");
    const count = new PayloadReader(payload).lenencInt();
    if (count === null || count === 0) throw new MySqlWireError("invalid column count");
    this.columnCount = count;
    this.columns = [];
    this.rowsInSet = 0;
    this.state = "columns";
    return [{ kind: "packet", payload }];
  }

  private column(payload: Buffer): TrackerEvent[] {
    this.columns.push(parseColumnDefinition(payload));
    if (this.columns.length === this.columnCount) {
      this.usePlan(this.planFor(this.columns));
      this.state = this.isDeprecateEof ? "rows" : "columns-eof";
      this.onResult?.({ type: "columns", names: this.columns.map((column) => column.name) });
    }
    return [{ kind: "packet", payload }];
  }

  private row(payload: Buffer): TrackerEvent[] {
    if (isErrPacket(payload)) return this.finish(payload, true);
    if (isEofPacket(payload) && payload.length < 0xff_ff_ff && (payload.length < 9 || this.isDeprecateEof)) {
      const status = parseEofStatus(payload);
      if (this.expected.kind === "fetch") {
        this.onResult?.({ type: "complete", tag: `FETCH ${this.rowsInSet}` });
        const isClosed = (status & STATUS_CURSOR_EXISTS) === 0 || (status & STATUS_LAST_ROW_SENT) !== 0;
        this.state = "done";
        return [
          { kind: "packet", payload },
          { kind: "done", isError: false, isCursorClosed: isClosed },
        ];
      }
      // Under DEPRECATE_EOF the packet that ends the column definitions is this OK.
      if (this.rowsInSet === 0 && this.opensCursor(payload)) return this.finishWithCursor(payload);
      this.onResult?.({ type: "complete", tag: "SELECT" });
      if ((status & STATUS_MORE_RESULTS) !== 0) {
        this.state = "first";
        return [{ kind: "packet", payload }];
      }
      return this.finish(payload, false);
    }
    this.rowsInSet += 1;
    const outgoing = this.isRewriting ? this.maskRow(payload) : payload;
    if (this.onResult) this.recordRow(outgoing, this.isBinary() ? "binary" : "text");
    return [{ kind: "packet", payload: outgoing }];
  }

  private usePlan(plan: RowPlan): void {
    this.plan = plan;
    this.isRewriting = plan.rules.some((rule) => rule !== null) || plan.scan.some((mode) => mode !== null);
  }

  /** A row the recording cannot read is recorded as a row of nulls: it still counts, nothing of it shows. */
  private recordRow(payload: Buffer, rowFormat: "text" | "binary"): void {
    let values: (string | null)[];
    try {
      values = recordedValues(payload, this.columns, rowFormat);
    } catch {
      values = this.columns.map(() => null);
    }
    this.onResult?.({ type: "row", values });
  }

  /** Prepared statements' rows, executed or fetched, are in the binary protocol. */
  private isBinary(): boolean {
    return (
      this.expected.kind === "fetch" ||
      (this.expected.kind === "result" && this.expected.rowFormat === "binary")
    );
  }

  /** The packet after an execution's column definitions says the server holds a cursor. */
  private opensCursor(payload: Buffer): boolean {
    if (this.expected.kind !== "result" || this.expected.isCursorRequested !== true) return false;
    return isEofPacket(payload) && (parseEofStatus(payload) & STATUS_CURSOR_EXISTS) !== 0;
  }

  private finishWithCursor(payload: Buffer): TrackerEvent[] {
    this.state = "done";
    return [
      { kind: "packet", payload },
      { kind: "done", isError: false, openedCursor: { columns: [...this.columns], plan: this.plan } },
    ];
  }

  private maskRow(payload: Buffer): Buffer {
    if (this.isBinary()) {
      const types = this.columns.map((column) => column.type);
      const row = parseBinaryRow(payload, types);
      row.values = row.values.map((value, index) => {
        if (value === null) return value;
        const isString = STRING_TYPES.has(types[index] as number);
        // The binary value of a string column is length-encoded: its content is masked or searched.
        const content = isString ? new PayloadReader(value).lenencBytes() : value;
        const masked = this.maskValueAt(index, content, isString);
        if (masked === content) return value;
        return masked === null ? null : binaryString(masked);
      });
      return encodeBinaryRow(row);
    }
    const values = parseTextRow(payload, this.columns.length).map((value, index) =>
      value === null
        ? value
        : this.maskValueAt(index, value, STRING_TYPES.has(this.columns[index]?.type as number)),
    );
    return encodeTextRow(values);
  }

  /** One value under its column's plan: masked whole by a rule, or what the detectors find masked. */
  private maskValueAt(index: number, value: Buffer | null, isString: boolean): Buffer | null {
    const rule = this.plan.rules[index];
    if (rule) return maskValue(rule, value, isString ? TEXT_TYPE_OID : 0, this.hashKey);
    const mode = this.plan.scan[index];
    if (!mode || value === null) return value;
    return maskDetectedValue(value, mode, this.plan.detectors, this.hashKey) ?? value;
  }

  private prepareMetadata(payload: Buffer): TrackerEvent[] {
    if (this.state === "prepare-params") {
      this.remaining -= 1;
    } else if (this.state === "prepare-columns") {
      this.columns.push(parseColumnDefinition(payload));
      this.remaining -= 1;
    } else if (this.state === "prepare-params-eof") {
      this.state = "prepare-columns";
      this.remaining = this.columnCount;
      return [{ kind: "packet", payload }, ...this.advancePrepare()];
    } else {
      return [{ kind: "packet", payload }, ...this.finishPrepare()];
    }
    return [{ kind: "packet", payload }, ...this.advancePrepare()];
  }

  /** Moves past empty sections of the prepare answer (no params, no columns). */
  private advancePrepare(): TrackerEvent[] {
    if (this.state === "prepare-params" && this.remaining === 0) {
      if (this.paramCount > 0 && !this.isDeprecateEof) {
        this.state = "prepare-params-eof";
        return [];
      }
      this.state = "prepare-columns";
      this.remaining = this.columnCount;
    }
    if (this.state === "prepare-columns" && this.remaining === 0) {
      if (this.columnCount > 0 && !this.isDeprecateEof) {
        this.state = "prepare-columns-eof";
        return [];
      }
      return this.finishPrepare();
    }
    return [];
  }

  private finishPrepare(): TrackerEvent[] {
    this.state = "done";
    return [{ kind: "done", isError: false, prepared: { statementId: this.statementId } }];
  }

  private finish(payload: Buffer, isError: boolean): TrackerEvent[] {
    this.state = "done";
    return [
      { kind: "packet", payload },
      { kind: "done", isError, ...(isError ? { errorPayload: payload } : {}) },
    ];
  }
}
