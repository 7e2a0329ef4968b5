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

export function encodeEvents(events: readonly RecordingEvent[]): Buffer {
  return Buffer.from(events.map((event) => `${JSON.stringify(event)}\n`).join(""), "utf8");
}

export function decodeEvents(payload: Buffer | Uint8Array): RecordingEvent[] {
  return Buffer.from(payload)
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordingEvent);
}
