import type { Db } from "@sluice/db/prisma";
import { readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import { catalogConnectionOptions } from "@sluice/mysql-session/catalog-side-connection";
import { ownerCodeDenial, ownerCodeSelectors } from "@sluice/mysql-session/owner-code";
import type { UpstreamCatalog } from "@sluice/mysql-session/upstream-catalog";
import { readStatementForMasking } from "@sluice/mysql-sql/masking-shape";
import { isOwnerCodeCallAllowed } from "@sluice/policy/mysql-owner-code-calls";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";
import mysql from "mysql2/promise";
import { TRY_CATALOG_TIMEOUT_MS } from "./try-catalog";

export type TryMySqlOwnerCodeOptions = {
  connection: Db.Connection;
  /** The brokered password, decrypted by the caller (null: none stored). */
  password: string | null;
  policy: ConnectionPolicy | undefined;
  groups: readonly string[];
  statement: string;
};

/**
 * What the MySQL relay judges after the decision point's allow, for the try box: on a connection
 * whose masking applies to the agent, a write whose table runs owner's code (triggers, computed
 * columns) that could copy masked values is refused, with the same words (`ownerCodeDenial`).
 * The upstream's catalog is read as the gateway reads it (same reader, brokered login, TLS); a
 * read that fails leaves the check without it, which refuses the write as the gateway would, and
 * `problem` says why. Nothing is read when the statement writes nothing or nothing is masked.
 */
export async function tryMySqlOwnerCode(
  options: TryMySqlOwnerCodeOptions,
): Promise<{ verdict: Extract<Verdict, { kind: "deny" }> | null; problem: string | null }> {
  const selectors = ownerCodeSelectors(options.policy?.masking ?? [], options.groups);
  if (selectors.length === 0) return { verdict: null, problem: null };
  const { shape } = readStatementForMasking(options.statement);
  const writes = (shape?.statements ?? []).some((facts) => facts.tablesWritten.length > 0);
  if (!writes) return { verdict: null, problem: null };
  let catalog: UpstreamCatalog | null = null;
  let problem: string | null = null;
  try {
    catalog = await readCatalog(options.connection, options.password);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problem = options.password ? message.split(options.password).join("***") : message;
  }
  const verdict = ownerCodeDenial(shape, catalog, {
    selectors,
    isCallAllowed: (call) => isOwnerCodeCallAllowed(options.policy, call),
  });
  return { verdict, problem };
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
