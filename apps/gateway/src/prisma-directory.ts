import type { PrismaClient } from "@sluice/db/prisma";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { decryptSecret } from "@sluice/secrets/secret-box";
import { StoreUnavailable } from "@sluice/session/connection-failures";
import type { AgentRecord, ConnectionRecord, Directory } from "@sluice/session/directory";
import { workloadIdentityOf } from "./workload-identity";

/**
 * The gateway's view of agents and connections, read from the store at every startup. Each
 * listener sees only connections of its own type: a MySQL agent never reaches a Postgres upstream.
 */
export function createPrismaDirectory(
  prisma: PrismaClient,
  secretKey: Buffer,
  type: "POSTGRES" | "MYSQL" = "POSTGRES",
  verifyWorkloadToken?: Directory["verifyWorkloadToken"],
): Directory {
  return {
    ...(verifyWorkloadToken ? { verifyWorkloadToken } : {}),
    async findAgent(name: string): Promise<AgentRecord | null> {
      const now = new Date();
      const agent = await fromStore(
        prisma.agent.findUnique({
          where: { name },
          include: {
            memberships: { include: { group: true } },
            credentials: {
              where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
              orderBy: { createdAt: "desc" },
            },
          },
        }),
      );
      if (!agent || agent.isDisabled) return null;
      const credential = agent.credentials[0];
      const workload = workloadIdentityOf(agent);
      if (!credential && !workload) return null;
      return {
        agentId: agent.id,
        agentName: agent.name,
        credentialId: credential?.id ?? "",
        scramVerifier: credential?.scramVerifier ?? null,
        workload,
        otherCredentials: agent.credentials
          .slice(1)
          .map((other) => ({ credentialId: other.id, scramVerifier: other.scramVerifier })),
        groups: agent.memberships.map((membership) => membership.group.name),
      };
    },

    async findConnection(name: string): Promise<ConnectionRecord | null> {
      const connection = await fromStore(
        prisma.connection.findUnique({
          where: { name },
          include: { access: { include: { group: true } } },
        }),
      );
      if (!connection || connection.isDisabled || connection.type !== type) return null;
      return {
        connectionId: connection.id,
        name: connection.name,
        host: connection.host,
        port: connection.port,
        database: connection.database,
        user: connection.username,
        password: connection.passwordCipher
          ? decryptSecret(connection.passwordCipher, secretKey, connectionSecretAad(connection.id))
          : null,
        tlsMode: connection.tlsMode,
        tlsCaPem: connection.tlsCaPem,
        tlsServerName: connection.tlsServerName,
        requireClientTls: connection.requireClientTls,
        allowedGroups: connection.access.map((access) => access.group.name),
        poolSize: connection.poolSize,
        poolWaitMs: connection.poolWaitSeconds * 1000,
      };
    },
  };
}

/**
 * A read the store did not answer (down, unreachable, restarting) refuses the login with an error
 * that says so, instead of an internal error: the agent and its operator learn what to wait for.
 */
async function fromStore<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    throw Object.assign(new StoreUnavailable(), { cause: error });
  }
}
