import type { AdminContext } from "../../src/actor";
import { saveConnection } from "../../src/save-connection";

/** The integration tier's MariaDB login (`inject("mariadb")`). */
export type MariaDbLogin = { host: string; user: string; password: string };

/**
 * A MySQL connection to `database` on the tier's MariaDB, saved through the admin API as an admin
 * would; `port` may be a closed one, for a console that cannot reach its upstream.
 */
export function saveMariaDbConnection(
  admin: AdminContext,
  maria: MariaDbLogin,
  connection: { name: string; port: number; database: string },
) {
  return saveConnection(admin, {
    input: {
      type: "MYSQL",
      name: connection.name,
      host: maria.host,
      port: connection.port,
      database: connection.database,
      username: maria.user,
      password: maria.password,
      tlsMode: "DISABLE",
    },
  });
}
