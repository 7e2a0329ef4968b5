import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { openUpstream } from "./open-upstream";
import { assertCan } from "./permissions";

export type ConnectionTestResult =
  | { ok: true; serverVersion: string; user: string; database: string; tls: boolean; millis: number }
  | { ok: false; error: string; millis: number };

/**
 * Checks that the upstream answers and the brokered credentials log in, as the gateway would. The
 * upstream's error text is returned (it names the problem: refused, bad password, no database),
 * never the credentials.
 */
export async function testConnection(
  context: AdminContext,
  options: { id: string },
): Promise<ConnectionTestResult> {
  assertCan(context.actor, "policy:write");
  const connection = await context.db.connection.findUnique({ where: { id: options.id } });
  if (!connection) throw new AdminError("not_found", "no such connection");
  // The check logs in over the PostgreSQL protocol; pointed at a MySQL server or an HTTP API it
  // would report a misleading failure (or hand the secret to a protocol it was not stored for).
  if (connection.type !== "POSTGRES")
    throw new AdminError(
      "invalid",
      `testing ${connection.type === "MYSQL" ? "MySQL" : "HTTP"} connections from the console is not built yet: connect an agent through the gateway to check it`,
    );
  const started = performance.now();
  const millis = () => Math.round(performance.now() - started);
  try {
    const client = await openUpstream(connection, context.secretKey, "sluice-connection-test");
    try {
      const { rows } = await client.query<{ version: string; user: string; database: string; tls: boolean }>(
        `SELECT current_setting('server_version') AS version, current_user AS user, current_database() AS database,
                coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS tls`,
      );
      const row = rows[0];
      if (!row) throw new Error("the upstream returned no row");
      return {
        ok: true,
        serverVersion: row.version,
        user: row.user,
        database: row.database,
        tls: row.tls,
        millis: millis(),
      };
    } finally {
      await client.end().catch(() => {});
    }
  } catch (error) {
    if (error instanceof AdminError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: message || "the upstream closed the connection", millis: millis() };
  }
}
