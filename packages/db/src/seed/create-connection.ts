import { randomUUID } from "node:crypto";
import { encryptSecret } from "@sluice/secrets/secret-box";
import type { Db, DbClient } from "../prisma";

export type CreateConnectionOptions = {
  name: string;
  host: string;
  port: number;
  database: string;
  username: string;
  /** Stored only as an AES-256-GCM box under `secretKey`. */
  password?: string;
  secretKey: Buffer;
  tlsMode?: Db.UpstreamTlsMode;
  /** PEM of the CA that signs the upstream's certificate, for VERIFY_CA and VERIFY_FULL. */
  tlsCaPem?: string;
  tlsServerName?: string;
  allowedGroups?: string[];
  description?: string;
  /** Default POSTGRES. HTTP connections keep their base path in `database`. */
  type?: Db.ConnectionType;
  /** HTTP: how the brokered secret (`password`) reaches the upstream. */
  httpAuthKind?: Db.HttpAuthKind;
  httpAuthHeader?: string;
  httpTimeoutSeconds?: number;
  isReadOnly?: boolean;
};

/** The AAD binds a box to its connection row, so a box copied onto another row does not decrypt. */
export function connectionSecretAad(connectionId: string): string {
  return `connection:${connectionId}`;
}

export async function createConnection(prisma: DbClient, options: CreateConnectionOptions) {
  const groups = await Promise.all(
    (options.allowedGroups ?? []).map((name) =>
      prisma.agentGroup.upsert({ where: { name }, update: {}, create: { name } }),
    ),
  );
  const id = randomUUID();
  return prisma.connection.create({
    data: {
      id,
      name: options.name,
      type: options.type ?? "POSTGRES",
      httpAuthKind: options.httpAuthKind ?? null,
      httpAuthHeader: options.httpAuthHeader ?? null,
      httpTimeoutSeconds: options.httpTimeoutSeconds ?? null,
      isReadOnly: options.isReadOnly ?? false,
      description: options.description ?? null,
      host: options.host,
      port: options.port,
      database: options.database,
      username: options.username,
      passwordCipher:
        options.password === undefined
          ? null
          : encryptSecret(options.password, options.secretKey, connectionSecretAad(id)),
      tlsMode: options.tlsMode ?? "PREFER",
      tlsCaPem: options.tlsCaPem ?? null,
      tlsServerName: options.tlsServerName ?? null,
      access: { create: groups.map((group) => ({ groupId: group.id })) },
    },
  });
}
