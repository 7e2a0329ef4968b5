import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LocalMariaDb, startLocalMariaDb } from "@sluice/db/local-mariadb";

/** What integration tests get: an administrative login over TCP with a real password. */
export type MariaDbServer = LocalMariaDb;

/**
 * A throwaway MariaDB for the integration tier (the same starter `sluice start`'s demo uses): a
 * fresh data directory, a port chosen here, real users with passwords, stopped and deleted when the
 * run ends. `tls`: PEM files of a certificate, so the server offers TLS.
 */
export async function startMariaDb(
  port: number,
  options: { tls?: { certFile: string; keyFile: string } } = {},
): Promise<MariaDbServer> {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-mariadb-data-"));
  const server = await startLocalMariaDb({
    dataDir: path.join(home, "data"),
    port,
    isEphemeral: true,
    ...(options.tls ? { tls: options.tls } : {}),
  }).catch((error: unknown) => {
    rmSync(home, { recursive: true, force: true });
    throw error;
  });
  return {
    ...server,
    stop: async () => {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
