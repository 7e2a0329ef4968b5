import type { TLSSocket } from "node:tls";
import pg from "pg";

/**
 * The TLS mode only means something if the suite's connections are really encrypted and verified:
 * connects as the suite will (PGSSLMODE=verify-full, the gateway's CA trusted through Node) and
 * checks the socket, so a gateway that silently answered plaintext cannot pass as "TLS".
 */
export async function assertTlsVerified(env: NodeJS.ProcessEnv, ca: string): Promise<void> {
  const client = new pg.Client({
    host: env.PGHOST,
    port: Number(env.PGPORT),
    user: env.PGUSER,
    password: env.PGPASSWORD,
    database: env.PGDATABASE,
    ssl: { ca, rejectUnauthorized: true },
  });
  await client.connect();
  try {
    // pg keeps its socket on `connection.stream`, a TLSSocket once the SSLRequest was accepted.
    const stream = (client as unknown as { connection: { stream: Partial<TLSSocket> } }).connection.stream;
    if (stream.encrypted !== true || stream.authorized !== true) {
      throw new Error("TLS mode: the gateway connection is not an authorized TLS socket");
    }
  } finally {
    await client.end();
  }
}
