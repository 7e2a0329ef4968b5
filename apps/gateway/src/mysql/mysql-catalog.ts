import { fingerprintOf, type Queryable, readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import { catalogConnectionOptions } from "@sluice/mysql-session/catalog-side-connection";
import type { UpstreamCatalog, UpstreamCatalogAccess } from "@sluice/mysql-session/upstream-catalog";
import type { ConnectionRecord } from "@sluice/session/directory";
import mysql from "mysql2/promise";
import { sharedFromNow } from "./shared-from-now";

/** A catalog side connection idle this long is closed (an active masked session keeps it open). */
const CATALOG_IDLE_MS = 5_000;

/** The side connections a connection's catalog work shares, with its brokered credentials. */
function catalogPool(connection: ConnectionRecord): mysql.Pool {
  return mysql.createPool({
    ...catalogConnectionOptions(connection),
    connectionLimit: 2,
    maxIdle: 0,
    idleTimeout: CATALOG_IDLE_MS,
  });
}

/**
 * Catalogs per connection, shared by its sessions: a read under way serves everyone who asks
 * meanwhile, and the newest read is what `current` gives. `isCurrent` compares a catalog's
 * fingerprint with the upstream's now (one round trip, shared by statements that ask together;
 * three where the catalog's trigger sight is read from the login's grants, which it then covers):
 * a table replaced by a view from anywhere, or a REVOKE, is seen by the very next masked statement.
 */
export function createMySqlCatalogs(
  read: (client: Queryable) => Promise<UpstreamCatalog> = readMySqlCatalog,
) {
  const latest = new Map<string, UpstreamCatalog>();
  const reading = new Map<string, Promise<UpstreamCatalog>>();
  const sides = new Map<
    string,
    { pool: mysql.Pool; fingerprint: () => Promise<string>; withGrants: () => Promise<string> }
  >();
  const sideOf = (connection: ConnectionRecord) => {
    // Credentials, address or TLS edited in the console: a new pool (the old one closes when idle).
    const key = [
      connection.connectionId,
      connection.host,
      connection.port,
      connection.user,
      connection.password,
      connection.tlsMode,
      connection.tlsServerName,
      connection.tlsCaPem,
    ].join("\0");
    let side = sides.get(key);
    if (!side) {
      const pool = catalogPool(connection);
      side = {
        pool,
        fingerprint: sharedFromNow(() => fingerprintOf(pool)),
        withGrants: sharedFromNow(() => fingerprintOf(pool, true)),
      };
      sides.set(key, side);
    }
    return side;
  };
  return (connection: ConnectionRecord): UpstreamCatalogAccess => ({
    current: () => latest.get(connection.connectionId) ?? null,
    isCurrent: async (catalog) => {
      if (catalog.fingerprint === undefined) return false;
      const side = sideOf(connection);
      return (
        (await (catalog.fingerprintsGrants ? side.withGrants() : side.fingerprint())) === catalog.fingerprint
      );
    },
    refresh: () => {
      const id = connection.connectionId;
      const under = reading.get(id);
      if (under) return under;
      const next = read(sideOf(connection).pool).then((catalog) => {
        latest.set(id, catalog);
        return catalog;
      });
      reading.set(id, next);
      const done = () => reading.delete(id);
      next.then(done, done);
      return next;
    },
  });
}
