import type { RecordingEvent } from "./events";

/**
 * A result as a front end that reads its own wire protocol (MySQL) saw it go to the client, after
 * masking: the same vocabulary the Postgres recorder reads out of the bytes.
 */
export type ResultEvent =
  | { type: "columns"; names: string[] }
  | { type: "row"; values: (string | null)[] }
  | { type: "complete"; tag: string }
  | { type: "error"; code: string; message: string }
  | { type: "parameter"; statement: number; index: number; bytes: number; value: string | null };

/** An event ready for the recording, but for its time and statement number. */
export type UntimedResultEvent =
  | Omit<Extract<RecordingEvent, { type: "columns" }>, "t" | "n">
  | Omit<Extract<RecordingEvent, { type: "row" }>, "t" | "n">
  | Omit<Extract<RecordingEvent, { type: "complete" }>, "t" | "n">
  | Omit<Extract<RecordingEvent, { type: "error" }>, "t" | "n">
  | Omit<Extract<RecordingEvent, { type: "parameter" }>, "t" | "n">;

/**
 * Turns result events into recording events with the cap the Postgres recorder applies: per
 * result, row values beyond `resultBytesCap` bytes are counted, not kept, and the completion says
 * how many rows the result had and how many were left out.
 */
export class CappedResults {
  private keptBytes = 0;
  private rows = 0;
  private truncatedRows = 0;

  constructor(
    private readonly record: (event: UntimedResultEvent) => void,
    private readonly resultBytesCap: number,
  ) {}

  push(event: ResultEvent): void {
    switch (event.type) {
      case "columns":
        this.reset();
        this.record(event);
        return;
      case "row": {
        this.rows += 1;
        const bytes = event.values.reduce((sum, value) => sum + Buffer.byteLength(value ?? ""), 0);
        if (this.keptBytes + bytes > this.resultBytesCap) {
          this.truncatedRows += 1;
          return;
        }
        this.keptBytes += bytes;
        this.record(event);
        return;
      }
      case "complete":
        this.record({ type: "complete", tag: event.tag, rows: this.rows, truncatedRows: this.truncatedRows });
        this.reset();
        return;
      case "error":
        this.record({ type: "error", severity: "ERROR", code: event.code, message: event.message });
        this.reset();
        return;
      case "parameter":
        // A value sent for the next execution: no part of a result, so no part of its cap.
        this.record(event);
        return;
    }
  }

  private reset(): void {
    this.keptBytes = 0;
    this.rows = 0;
    this.truncatedRows = 0;
  }
}
