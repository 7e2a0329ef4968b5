import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LocalMariaDb, startLocalMariaDb } from "@sluice/db/local-mariadb";
import { freePort } from "../bench/lib/free-port";

/** What integration tests get: an administrative login over TCP with a real password. */
export type MariaDbServer = LocalMariaDb;

/** How a test's own server differs from the default one. */
export type MariaDbOptions = {
  /** PEM files of a certificate, so the server offers TLS. */
  tls?: { certFile: string; keyFile: string };
  /** The server's global sql_mode from its start (`--sql-mode`), for tests of how sessions are pinned. */
  sqlMode?: string;
};

/**
 * A throwaway MariaDB for the integration tier (the same starter `sluice start`'s demo uses): a
 * fresh data directory, a port chosen here, real users with passwords, stopped and deleted when the
 * run ends.
 */
export async function startMariaDb(port: number, options: MariaDbOptions = {}): Promise<MariaDbServer> {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-mariadb-data-"));
  const server = await startLocalMariaDb({
    dataDir: path.join(home, "data"),
    port,
    isEphemeral: true,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.sqlMode !== undefined ? { sqlMode: options.sqlMode } : {}),
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

/** Ports taken between the OS's choice and the server's bind (parallel runs): a few tries. */
const PORT_TRIES = 3;

/**
 * A MariaDB on a port the OS chose: the integration tier's shared server, and a test file's own
 * for a test that needs the server's global state to differ (a global sql_mode), which it must
 * never change on the shared server, where every other file's sessions would see it.
 */
export async function startOwnMariaDb(options: MariaDbOptions): Promise<MariaDbServer> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startMariaDb(await freePort(), options);
    } catch (error) {
      if (attempt >= PORT_TRIES) throw error;
    }
  }
}
