import type { PrismaClient } from "@sluice/db/prisma";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { createSecretOpener } from "@sluice/secrets/secret-opener";
import type { AgentRecord, Directory, UpstreamTlsMode } from "@sluice/session/directory";
import { createPrismaDirectory } from "../prisma-directory";
import { UPSTREAM_HEADERS_TIMEOUT_MS, UPSTREAM_IDLE_TIMEOUT_MS } from "./http-limits";

/** An HTTP connection as the proxy needs it; the secret is decrypted only in gateway memory. */
export type HttpConnectionRecord = {
  connectionId: string;
  name: string;
  host: string;
  port: number;
  /** Prefix of every upstream path (`/api/v2`), "" for none; from the Connection's `database`. */
  basePath: string;
  tlsMode: UpstreamTlsMode;
  tlsCaPem: string | null;
  tlsServerName: string | null;
  requireClientTls: boolean;
  /** The connection's own upstream timeouts (`httpTimeoutSeconds`), or the defaults. */
  timeouts: { headersMs: number; idleMs: number };
  auth: {
    kind: "BEARER" | "BASIC" | "HEADER";
    header: string | null;
    username: string;
    secret: string;
  } | null;
  allowedGroups: string[];
  /** Body bytes the recording keeps per exchange, read with the record: no store read per session. */
  recordResultBytes: number;
};

export type HttpDirectory = {
  findAgent: (name: string) => Promise<AgentRecord | null>;
  /** Agents with a usable credential of this fingerprint (a bearer token carries no name). */
  findAgentsByFingerprint: (fingerprint: string) => Promise<AgentRecord[]>;
  /** Enabled agents whose workload identity names this issuer (a bearer JWT carries no agent name). */
  findAgentsByWorkloadIssuer: (issuer: string) => Promise<AgentRecord[]>;
  verifyWorkloadToken?: Directory["verifyWorkloadToken"];
  findConnection: (name: string) => Promise<HttpConnectionRecord | null>;
};

export function createHttpDirectory(
  prisma: PrismaClient,
  secretKey: Buffer,
  verifyWorkloadToken?: Directory["verifyWorkloadToken"],
): HttpDirectory {
  const agents = createPrismaDirectory(prisma, secretKey, "POSTGRES", verifyWorkloadToken);
  // As on the SQL paths: the same sealed secret is opened once, a changed one at once.
  const openSecret = createSecretOpener(secretKey);
  return {
    findAgent: agents.findAgent,
    ...(verifyWorkloadToken ? { verifyWorkloadToken } : {}),

    async findAgentsByWorkloadIssuer(issuer) {
      const named = await prisma.agent.findMany({
        where: { workloadIssuer: issuer, isDisabled: false },
        select: { name: true },
        orderBy: { name: "asc" },
      });
      const found = await Promise.all(named.map((agent) => agents.findAgent(agent.name)));
      return found.filter((agent): agent is AgentRecord => agent?.workload != null);
    },

    async findAgentsByFingerprint(fingerprint) {
      const now = new Date();
      const credentials = await prisma.agentCredential.findMany({
        where: { fingerprint, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
        select: { id: true, agent: { select: { name: true } } },
      });
      const found: AgentRecord[] = [];
      for (const credential of credentials) {
        // Any live credential logs in, as on the Postgres path; the check tries each of them.
        const agent = await agents.findAgent(credential.agent.name);
        if (agent && !found.some((other) => other.agentId === agent.agentId)) found.push(agent);
      }
      return found;
    },

    async findConnection(name) {
      const connection = await prisma.connection.findUnique({
        where: { name },
        include: { access: { include: { group: true } } },
      });
      if (!connection || connection.isDisabled || connection.type !== "HTTP") return null;
      const secret = connection.passwordCipher
        ? openSecret(connection.passwordCipher, connectionSecretAad(connection.id))
        : null;
      return {
        connectionId: connection.id,
        name: connection.name,
        host: connection.host,
        port: connection.port,
        basePath: basePathOf(connection.database),
        tlsMode: connection.tlsMode,
        tlsCaPem: connection.tlsCaPem,
        tlsServerName: connection.tlsServerName,
        requireClientTls: connection.requireClientTls,
        timeouts: connection.httpTimeoutSeconds
          ? { headersMs: connection.httpTimeoutSeconds * 1000, idleMs: connection.httpTimeoutSeconds * 1000 }
          : { headersMs: UPSTREAM_HEADERS_TIMEOUT_MS, idleMs: UPSTREAM_IDLE_TIMEOUT_MS },
        auth:
          connection.httpAuthKind && secret !== null
            ? {
                kind: connection.httpAuthKind,
                header: connection.httpAuthHeader,
                username: connection.username,
                secret,
              }
            : null,
        allowedGroups: connection.access.map((access) => access.group.name),
        recordResultBytes: connection.recordResultBytes,
      };
    },
  };
}

/** `api/v2/`, `/api/v2` and `/api/v2/` are one base path; `/` and "" are none. */
function basePathOf(database: string): string {
  const trimmed = database.trim().replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `/${trimmed}`;
}
