import { errorFields, int32, type RawClient } from "./raw-client";

/** What one simple Query did, as the client saw it: command tags, row values, the first error. */
export type Outcome = {
  tags: string[];
  rows: string[][];
  error: { severity: string; code: string; message: string; hint?: string } | null;
  /** The session ended (a FATAL, or the socket closed) instead of reaching ReadyForQuery. */
  isClosed: boolean;
};

/** A simple Query whose SQL is these exact bytes (no encoding step in between). */
export function queryBytes(sql: Buffer): Buffer {
  const body = Buffer.concat([sql, Buffer.from([0])]);
  return Buffer.concat([Buffer.from("Q"), int32(body.length + 4), body]);
}

/** Sends the bytes as one simple Query and reads up to its ReadyForQuery (or the end of the session). */
export async function runBytes(client: RawClient, sql: Buffer): Promise<Outcome> {
  client.write(queryBytes(sql));
  return readOutcome(client);
}

export async function readOutcome(client: RawClient): Promise<Outcome> {
  const outcome: Outcome = { tags: [], rows: [], error: null, isClosed: false };
  for (;;) {
    let message: Awaited<ReturnType<RawClient["readMessage"]>>;
    try {
      message = await client.readMessage();
    } catch {
      outcome.isClosed = true;
      return outcome;
    }
    if (message.type === "C") outcome.tags.push(message.body.toString("utf8", 0, message.body.length - 1));
    if (message.type === "D") outcome.rows.push(dataRow(message.body));
    if (message.type === "E") {
      const fields = errorFields(message.body);
      outcome.error ??= {
        severity: fields["V"] ?? "",
        code: fields["C"] ?? "",
        message: fields["M"] ?? "",
        ...(fields["H"] ? { hint: fields["H"] } : {}),
      };
      if (fields["V"] === "FATAL") {
        outcome.isClosed = true;
        return outcome;
      }
    }
    if (message.type === "Z") return outcome;
  }
}

function dataRow(body: Buffer): string[] {
  const values: string[] = [];
  let offset = 2;
  for (let i = 0; i < body.readInt16BE(0); i++) {
    const length = body.readInt32BE(offset);
    offset += 4;
    values.push(length < 0 ? "NULL" : body.toString("latin1", offset, offset + length));
    if (length > 0) offset += length;
  }
  return values;
}
