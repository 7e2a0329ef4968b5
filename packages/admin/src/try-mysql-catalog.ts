import type { Db } from "@sluice/db/prisma";
import { readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import { catalogConnectionOptions } from "@sluice/mysql-session/catalog-side-connection";
import type { UpstreamCatalog } from "@sluice/mysql-session/upstream-catalog";
import mysql from "mysql2/promise";
import { TRY_CATALOG_TIMEOUT_MS } from "./try-catalog";

/** One try's reading of a MySQL upstream's catalog: read at most once, on first need. */
export type TryMySqlCatalog = {
  /** The catalog, or null when it could not be read (then `problem` says why). */
  read: () => Promise<UpstreamCatalog | null>;
  /** Why the read failed (the brokered password never in it); null when it did not, or never ran. */
  problem: () => string | null;
};

/**
 * The upstream's catalog as the gateway reads it (same reader, brokered login, TLS, ed25519), for
 * everything the try box judges with it: the review and COLUMN rules that follow generated columns
 * and views, and the owner-code check after an allow. A person waits: at most TRY_CATALOG_TIMEOUT_MS.
 */
export function createTryMySqlCatalog(connection: Db.Connection, password: string | null): TryMySqlCatalog {
  let reading: Promise<UpstreamCatalog | null> | null = null;
  let problem: string | null = null;
  return {
    read: () => {
      reading ??= readCatalog(connection, password).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        problem = password ? message.split(password).join("***") : message;
        return null;
      });
      return reading;
    },
    problem: () => problem,
  };
}

async function readCatalog(connection: Db.Connection, password: string | null): Promise<UpstreamCatalog> {
  const client = await mysql.createConnection({
    ...catalogConnectionOptions({
      host: connection.host,
      port: connection.port,
      user: connection.username,
      password,
      tlsMode: connection.tlsMode,
      tlsServerName: connection.tlsServerName,
      tlsCaPem: connection.tlsCaPem,
    }),
    connectTimeout: TRY_CATALOG_TIMEOUT_MS,
  });
  client.on("error", () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    // A person waits on the try box: an upstream that stalls mid-read is reported, not waited for.
    return await Promise.race([
      readMySqlCatalog(client),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the catalog read took longer than ${TRY_CATALOG_TIMEOUT_MS / 1000} s`)),
          TRY_CATALOG_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}
