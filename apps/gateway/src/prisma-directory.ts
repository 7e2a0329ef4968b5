import type { PrismaClient } from "@sluice/db/prisma";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { type StoreStatements, storeStatementsOf } from "@sluice/db/store-statements";
import { createSecretOpener } from "@sluice/secrets/secret-opener";
import { StoreUnavailable } from "@sluice/session/connection-failures";
import type { AgentRecord, ConnectionRecord, Directory } from "@sluice/session/directory";
import { workloadIdentityOf } from "./workload-identity";

/**
 * The gateway's view of agents and connections, read from the store at every startup (a login's
 * agent and connection together, `findLogin`). Each listener sees only connections of its own
 * type: a MySQL agent never reaches a Postgres upstream.
 */
export function createPrismaDirectory(
  prisma: PrismaClient,
  secretKey: Buffer,
  type: "POSTGRES" | "MYSQL" = "POSTGRES",
  verifyWorkloadToken?: Directory["verifyWorkloadToken"],
): Directory {
  const statements = storeStatementsOf(prisma);
  // Every login reads the password sealed; opening the same box again is answered from memory.
  const openSecret = createSecretOpener(secretKey);
  return {
    ...(verifyWorkloadToken ? { verifyWorkloadToken } : {}),
    async findAgent(name: string): Promise<AgentRecord | null> {
      const [agent] = await fromStore(readAgent(prisma, name, new Date()));
      return agentRecordOf(agent);
    },

    async findConnection(name: string): Promise<ConnectionRecord | null> {
      const [connection] = await fromStore(readConnection(prisma, name));
      return connectionRecordOf(connection);
    },

    async findLogin(agentName: string, connectionName: string) {
      const [login] = await fromStore(readLogin(statements, agentName, connectionName, new Date()));
      return { agent: agentRecordOf(login?.agent), connection: connectionRecordOf(login?.connection) };
    },
  };

  function agentRecordOf(agent: AgentRow | null | undefined): AgentRecord | null {
    if (!agent || agent.is_disabled) return null;
    const credential = agent.credentials[0];
    const workload = workloadIdentityOf({
      workloadIssuer: agent.workload_issuer,
      workloadJwksUri: agent.workload_jwks_uri,
      workloadAudience: agent.workload_audience,
      workloadSubject: agent.workload_subject,
      workloadClaims: agent.workload_claims,
      workloadGroupsClaim: agent.workload_groups_claim,
    });
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
      groups: agent.groups,
    };
  }

  function connectionRecordOf(connection: ConnectionRow | null | undefined): ConnectionRecord | null {
    if (!connection || connection.is_disabled || connection.type !== type) return null;
    return {
      connectionId: connection.id,
      name: connection.name,
      host: connection.host,
      port: connection.port,
      database: connection.database,
      user: connection.username,
      password: connection.password_cipher
        ? openSecret(connection.password_cipher, connectionSecretAad(connection.id))
        : null,
      tlsMode: connection.tls_mode,
      tlsCaPem: connection.tls_ca_pem,
      tlsServerName: connection.tls_server_name,
      requireClientTls: connection.require_client_tls,
      allowedGroups: connection.allowed_groups,
      poolSize: connection.pool_size,
      poolWaitMs: connection.pool_wait_seconds * 1000,
      recordResultBytes: connection.record_result_bytes,
      ...(type === "MYSQL" ? { dialect: "mysql" as const } : {}),
    };
  }
}

type AgentRow = {
  id: string;
  name: string;
  is_disabled: boolean;
  workload_issuer: string | null;
  workload_jwks_uri: string | null;
  workload_audience: string | null;
  workload_subject: string | null;
  workload_claims: unknown;
  workload_groups_claim: string | null;
  groups: string[];
  /** Live credentials, newest first. */
  credentials: { id: string; scramVerifier: string }[];
};

/**
 * The agent, its groups and its live credentials in one round trip: a login waits on it, and the
 * relation includes it replaces cost four sequential queries. Timestamps are stored as UTC without
 * a zone (Prisma's mapping), so "now" is compared as that UTC wall time. `now` and `name` are the
 * statement's parameter markers.
 */
function agentSelect(now: string, name: string): string {
  return `
    SELECT a.id, a.name, a.is_disabled, a.workload_issuer, a.workload_jwks_uri, a.workload_audience,
      a.workload_subject, a.workload_claims, a.workload_groups_claim,
      ARRAY(
        SELECT g.name FROM agent_group_members m JOIN agent_groups g ON g.id = m.group_id
        WHERE m.agent_id = a.id
      ) AS groups,
      COALESCE((
        SELECT json_agg(json_build_object('id', c.id, 'scramVerifier', c.scram_verifier)
          ORDER BY c.created_at DESC, c.id DESC)
        FROM agent_credentials c
        WHERE c.agent_id = a.id AND c.revoked_at IS NULL
          AND (c.expires_at IS NULL OR c.expires_at > ${now}::timestamp)
      ), '[]'::json) AS credentials
    FROM agents a WHERE a.name = ${name}`;
}

function readAgent(prisma: PrismaClient, name: string, now: Date) {
  return prisma.$queryRawUnsafe<AgentRow[]>(agentSelect("$1", "$2"), now.toISOString(), name);
}

type ConnectionRow = {
  id: string;
  name: string;
  type: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password_cipher: string | null;
  tls_mode: ConnectionRecord["tlsMode"];
  tls_ca_pem: string | null;
  tls_server_name: string | null;
  require_client_tls: boolean;
  pool_size: number;
  pool_wait_seconds: number;
  record_result_bytes: number;
  is_disabled: boolean;
  allowed_groups: string[];
};

/** The connection and the groups it is open to, in one round trip (see agentSelect). */
function connectionSelect(name: string): string {
  return `
    SELECT c.id, c.name, c.type::text AS type, c.host, c.port, c.database, c.username,
      c.password_cipher, c.tls_mode::text AS tls_mode, c.tls_ca_pem, c.tls_server_name,
      c.require_client_tls, c.pool_size, c.pool_wait_seconds, c.record_result_bytes, c.is_disabled,
      ARRAY(
        SELECT g.name FROM connection_access x JOIN agent_groups g ON g.id = x.group_id
        WHERE x.connection_id = c.id
      ) AS allowed_groups
    FROM connections c WHERE c.name = ${name}`;
}

function readConnection(prisma: PrismaClient, name: string) {
  return prisma.$queryRawUnsafe<ConnectionRow[]>(connectionSelect("$1"), name);
}

/**
 * A login's agent and connection in one statement: both are named by the startup message, and as
 * two statements a connect paid a second store round trip (its write, its answer's wake-up and the
 * client's work), about a tenth of the gateway's CPU per connect (bench/gateway-cpu.ts). Each row
 * comes as JSON with the columns above; either is null when no row matched. Prepared once per store
 * connection (store-statements.ts): every login runs it.
 */
const LOGIN_SELECT = {
  name: "sluice-login",
  text: `SELECT (SELECT row_to_json(a) FROM (${agentSelect("$1", "$2")}) a) AS agent,
      (SELECT row_to_json(c) FROM (${connectionSelect("$3")}) c) AS connection`,
};

function readLogin(statements: StoreStatements, agentName: string, connectionName: string, now: Date) {
  return statements.query<{ agent: AgentRow | null; connection: ConnectionRow | null }>(LOGIN_SELECT, [
    now.toISOString(),
    agentName,
    connectionName,
  ]);
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
