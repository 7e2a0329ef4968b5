import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@sluice/db/embedded-postgres";
import type { Cleanup } from "./cleanup";
import { freePort } from "./free-port";

/**
 * An embedded PostgreSQL on a free port in a temporary home, removed with it. Every step registers
 * its teardown first, so a failure halfway leaves nothing running.
 */
export async function startThrowawayPostgres(cleanup: Cleanup, label: string) {
  const home = mkdtempSync(path.join(tmpdir(), `sluice-${label}-`));
  const removeHome = () => rmSync(home, { recursive: true, force: true });
  cleanup.add(removeHome);
  // Also on 'exit': embedded-postgres's own signal hook may end the process before our steps finish.
  process.once("exit", removeHome);
  // As root, PostgreSQL runs as `postgres`; a reachable home keeps the cluster (and its password
  // file) inside it instead of under /var/lib/sluice, where an ephemeral run would leave them.
  chmodSync(home, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(home, "pg"),
    port: await freePort(),
    portSetting: `(${label}: a free port)`,
    isEphemeral: true,
    // Room for every path's backends at once: pgbouncer's pool, and each gateway's pooled logins
    // (kept idle between runs, per worker) beside direct's -c 16; the default 100 ran out.
    settings: { max_connections: "300" },
    onLog: () => {},
  });
  cleanup.add(() => server.stop());
  return { home, server };
}
