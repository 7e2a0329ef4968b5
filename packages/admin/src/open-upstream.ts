import type { Db } from "@sluice/db/prisma";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { pgCatalogReaderConfig, type UpstreamLogin } from "@sluice/db/upstream/pg-client-config";
import { decryptSecret } from "@sluice/secrets/secret-box";
import pg from "pg";
import { AdminError } from "./admin-error";

/**
 * Connects to a connection's upstream with its brokered credentials, for the console's own checks
 * (test connection, masking preview), which read its catalog: search_path pinned to pg_catalog.
 */
export async function openUpstream(connection: Db.Connection, secretKey: Buffer, purpose: string) {
  const client = new pg.Client(pgCatalogReaderConfig(brokeredLogin(connection, secretKey), purpose));
  client.on("error", () => {});
  await client.connect();
  return client;
}

/**
 * The upstream login the gateway would use for a Postgres connection. The password is decrypted
 * only here, in server memory, and never leaves it.
 */
export function brokeredLogin(connection: Db.Connection, secretKey: Buffer): UpstreamLogin {
  if (connection.type !== "POSTGRES")
    throw new AdminError("invalid", `${connection.type} connections cannot be opened yet`);
  const password = connection.passwordCipher
    ? decryptSecret(connection.passwordCipher, secretKey, connectionSecretAad(connection.id))
    : null;
  return { ...connection, user: connection.username, password };
}
