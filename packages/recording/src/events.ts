/**
 * One line of a recording (NDJSON in a chunk). `t` is milliseconds since the session started.
 * Results are recorded exactly as the agent received them: after masking.
 */
export type RecordingEvent =
  | {
      t: number;
      type: "connect";
      agent: string;
      groups: string[];
      connection: string;
      clientAddress: string;
      isTls: boolean;
    }
  | { t: number; type: "statement"; n: number; sql: string }
  | {
      t: number;
      type: "verdict";
      n: number;
      kind: "allow" | "deny" | "hold";
      rule?: string;
      message?: string;
      maskedTables?: string[];
    }
  | { t: number; type: "columns"; n: number; names: string[] }
  | { t: number; type: "row"; n: number; values: (string | null)[] }
  | { t: number; type: "complete"; n: number; tag: string; rows: number; truncatedRows: number }
  | { t: number; type: "error"; n: number; severity: string; code: string; message: string }
  | { t: number; type: "notice"; n: number; message: string }
  /**
   * A parameter value the client sent apart from its execution (MySQL's COM_STMT_SEND_LONG_DATA):
   * one piece, appended to the parameter's earlier pieces. `value` is its text, cut to
   * MAX_RECORDED_PARAMETER_BYTES, or null when the statement reads masked tables (its literals
   * would be redacted too); `bytes` is the piece's whole length.
   */
  | {
      t: number;
      type: "parameter";
      n: number;
      statement: number;
      index: number;
      bytes: number;
      value: string | null;
    }
  | { t: number; type: "ready"; n: number }
  /** An HTTP call as the upstream got it (no headers: the credential is the gateway's); body redacted. */
  | { t: number; type: "http-request"; n: number; method: string; target: string; body?: string }
  /** The HTTP response as the agent got it (masked); `body` is at most the connection's result cap. */
  | {
      t: number;
      type: "http-response";
      n: number;
      status: number;
      contentType?: string;
      body: string;
      bodyBytes: number;
      /** The relay was cut (not the JSON it said, the upstream went silent, the agent left). */
      cut?: string;
    }
  | { t: number; type: "end"; reason: string };

export type RecordingEventType = RecordingEvent["type"];

/**
 * One event as its NDJSON line (without the newline). Rows, completions and readiness, the lines a
 * busy session writes most, are written straight from the wire bytes instead (see `NdjsonBlocks`).
 */
export function encodeEvent(event: RecordingEvent): string {
  return JSON.stringify(event);
}

/**
 * `encodeEvent` of a statement event, without building the object: every statement of every
 * session is recorded, so this line is written once per statement. Same bytes as `encodeEvent`.
 */
export function encodeStatementLine(t: number, n: number, sql: string): string {
  return `${statementLineHead(jsonNumber(t), jsonNumber(n))}${JSON.stringify(sql)}${STATEMENT_LINE_TAIL}`;
}

/**
 * A statement line up to its text (`t` and `n` as `jsonNumber` wrote them): what a writer puts before
 * the text's JSON string and `STATEMENT_LINE_TAIL`, as `encodeStatementLine` does. ASCII only.
 */
export function statementLineHead(tJson: string, nJson: string): string {
  return `{"t":${tJson},"type":"statement","n":${nJson},"sql":`;
}

export const STATEMENT_LINE_TAIL = "}";

/**
 * `JSON.stringify` of a number without the call into the runtime (about half a statement line's
 * integers' cost): a finite number prints as its `String`, exactly as JSON.stringify prints it
 * (`-0` as `0`, `1e21` as `1e+21`); NaN and the infinities as `null`.
 */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : "null";
}

/** A verdict kind as its JSON string; any other value (none is expected) through JSON.stringify. */
function kindJson(kind: string): string {
  switch (kind) {
    case "allow":
      return '"allow"';
    case "deny":
      return '"deny"';
    case "hold":
      return '"hold"';
    default:
      return JSON.stringify(kind);
  }
}

/**
 * `JSON.stringify` of lists of table names, remembering the last one: a session's repeated read
 * hands over the same list, which is compared (by its names) instead of encoded again. One per
 * session recorder, never shared between sessions.
 */
export class TablesJson {
  private last: { names: string[]; json: string } | null = null;

  of(tables: readonly string[]): string {
    if (this.isLast(tables)) return (this.last as { json: string }).json;
    const json = JSON.stringify(tables);
    // A copy: the caller's list may change after this, the remembered one must not.
    this.last = { names: [...tables], json };
    return json;
  }

  private isLast(tables: readonly string[]): boolean {
    const names = this.last?.names;
    if (names?.length !== tables.length) return false;
    for (let i = 0; i < names.length; i += 1) if (names[i] !== tables[i]) return false;
    return true;
  }
}

/**
 * `encodeEvent` of a verdict event `{ t, type, n, kind, rule?, message?, maskedTables? }`, without
 * building the object: every statement's verdict is recorded, and on a masked connection most
 * carry the tables they read. Same bytes as `encodeEvent` of that object (keys in that order, an
 * undefined one left out as JSON.stringify leaves it out).
 */
export function encodeVerdictLine(
  t: number,
  n: number,
  verdict: { kind: "allow" | "deny" | "hold"; rule?: string | undefined; message?: string | undefined },
  maskedTables?: readonly string[],
  /** The session's encoder of table lists, which remembers the last one. */
  tables?: TablesJson,
): string {
  return verdictLine(jsonNumber(t), jsonNumber(n), verdict, maskedTables, tables);
}

/**
 * `encodeVerdictLine` with `t` and `n` already written by `jsonNumber`: a statement's verdict line
 * shares both with its statement line, which writes them first.
 */
export function verdictLine(
  tJson: string,
  nJson: string,
  verdict: { kind: "allow" | "deny" | "hold"; rule?: string | undefined; message?: string | undefined },
  maskedTables?: readonly string[],
  tables?: TablesJson,
): string {
  let line = `{"t":${tJson},"type":"verdict","n":${nJson},"kind":${kindJson(verdict.kind)}`;
  if (verdict.rule !== undefined) line += `,"rule":${JSON.stringify(verdict.rule)}`;
  if (verdict.message !== undefined) line += `,"message":${JSON.stringify(verdict.message)}`;
  if (maskedTables !== undefined)
    line += `,"maskedTables":${tables ? tables.of(maskedTables) : JSON.stringify(maskedTables)}`;
  return `${line}}`;
}

export function encodeEvents(events: readonly RecordingEvent[]): Buffer {
  return Buffer.from(events.map((event) => `${encodeEvent(event)}\n`).join(""), "utf8");
}

/** Events from NDJSON text. */
export function parseEvents(text: string): RecordingEvent[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordingEvent);
}
