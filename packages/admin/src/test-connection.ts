import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { decryptSecret } from "@sluice/secrets/secret-box";
import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { openUpstream } from "./open-upstream";
import { assertCan } from "./permissions";
import { testMySqlConnection } from "./test-mysql-connection";

export type ConnectionTestResult =
  | {
      ok: true;
      engine: "PostgreSQL" | "MySQL";
      serverVersion: string;
      user: string;
      database: string;
      tls: boolean;
      millis: number;
    }
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
  // An HTTP API has no login to try without making a request on the agent's behalf.
  if (connection.type === "HTTP")
    throw new AdminError(
      "invalid",
      "testing HTTP connections from the console is not built yet: use Try a request to check it",
    );
  const started = performance.now();
  const millis = () => Math.round(performance.now() - started);
  if (connection.type === "MYSQL") {
    const password = connection.passwordCipher
      ? decryptSecret(connection.passwordCipher, context.secretKey, connectionSecretAad(connection.id))
      : "";
    const outcome = await testMySqlConnection(connection, password);
    if (!outcome.ok) return { ok: false, error: outcome.error, millis: millis() };
    // The login named the database (CONNECT_WITH_DB) and the server accepted both.
    return {
      ok: true,
      engine: "MySQL",
      serverVersion: outcome.serverVersion,
      user: connection.username,
      database: connection.database,
      tls: outcome.isTls,
      millis: millis(),
    };
  }
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
        engine: "PostgreSQL",
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
