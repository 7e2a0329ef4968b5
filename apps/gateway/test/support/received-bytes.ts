import pg from "pg";

/** A connected `pg` client and everything it has received so far, so a leak anywhere is caught. */
export type RecordingClient = { client: pg.Client; received: () => Buffer };

/**
 * Connects a real `pg` client whose socket's incoming bytes are all kept: rows, errors, notices,
 * whatever the driver makes of them.
 */
export async function connectRecording(url: string): Promise<RecordingClient> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const chunks: Buffer[] = [];
  (client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.on(
    "data",
    (chunk: Buffer) => chunks.push(chunk),
  );
  return { client, received: () => Buffer.concat(chunks) };
}
