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

/**
 * Every byte a fresh client received while `run` used it, as latin1 text. An error the server (or
 * the gateway) sent is part of what was received; any other failure, such as an assertion inside
 * `run`, is thrown.
 */
export async function receivedBytes(
  url: string,
  run: (client: pg.Client) => Promise<unknown>,
): Promise<string> {
  const { client, received } = await connectRecording(url);
  try {
    await run(client).catch((error: unknown) => {
      if (!(error instanceof pg.DatabaseError)) throw error;
    });
  } finally {
    await client.end();
  }
  return received().toString("latin1");
}
