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
  | { t: number; type: "ready"; n: number }
  | { t: number; type: "end"; reason: string };

export type RecordingEventType = RecordingEvent["type"];

/** JSON string literal (quotes and escapes): the only part of an event line that needs escaping. */
const str = JSON.stringify as (value: string) => string;

/**
 * One event as its NDJSON line (without the newline): the same JSON `JSON.stringify(event)` gives,
 * written field by field because this runs for every row and every ready of every session.
 */
export function encodeEvent(event: RecordingEvent): string {
  switch (event.type) {
    case "row": {
      let values = "";
      for (let i = 0; i < event.values.length; i++) {
        const value = event.values[i] as string | null;
        values += `${i === 0 ? "" : ","}${value === null ? "null" : str(value)}`;
      }
      return `{"t":${event.t},"type":"row","n":${event.n},"values":[${values}]}`;
    }
    case "ready":
      return `{"t":${event.t},"type":"ready","n":${event.n}}`;
    case "complete":
      return `{"t":${event.t},"type":"complete","n":${event.n},"tag":${str(event.tag)},"rows":${event.rows},"truncatedRows":${event.truncatedRows}}`;
    case "statement":
      return `{"t":${event.t},"type":"statement","n":${event.n},"sql":${str(event.sql)}}`;
    default:
      return JSON.stringify(event);
  }
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
