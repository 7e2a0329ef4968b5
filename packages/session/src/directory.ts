/**
 * What the session needs to know about agents and connections. The gateway app implements it over
 * the store; tests implement it in memory.
 */
export type AgentRecord = {
  agentId: string;
  agentName: string;
  /** The credential the agent proved (revocation follows it); a workload login's is WORKLOAD_CREDENTIAL. */
  credentialId: string;
  /** PostgreSQL-format SCRAM-SHA-256 verifier of the agent's current token; null: it has none. */
  scramVerifier: string | null;
  /** The agent's other live tokens (a rotation's grace window, or several issued side by side). */
  otherCredentials?: { credentialId: string; scramVerifier: string }[];
  groups: string[];
  /** Groups a workload token granted this session (its groups claim), beside the agent's own. */
  tokenGroups?: string[];
  /**
   * When the workload token this session signed in with expires (its `exp`): the session ends then,
   * as the token would no longer open one. Absent for static tokens, which are revoked instead.
   */
  tokenExpiresAt?: Date;
  /** Set: the agent may present a short-lived signed token (JWT) from this issuer instead. */
  workload?: WorkloadIdentity | null;
};

/** An agent's workload identity mapping (see @sluice/identity/workload-token). */
export type WorkloadIdentity = {
  issuer: string;
  jwksUri: string | null;
  audience: string;
  subject: string;
  claims: Readonly<Record<string, string>>;
  groupsClaim: string | null;
};

export type WorkloadCheck =
  | { ok: true; subject: string; groups: string[]; expiresAt: Date }
  | { ok: false; reason: string };

/** The credential id of sessions opened with a workload token: live while the agent keeps its mapping. */
export const WORKLOAD_CREDENTIAL = "workload";

export type UpstreamTlsMode = "DISABLE" | "PREFER" | "REQUIRE" | "VERIFY_CA" | "VERIFY_FULL";

export type ConnectionRecord = {
  connectionId: string;
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** Decrypted only in gateway memory, only for the upstream login. */
  password: string | null;
  tlsMode: UpstreamTlsMode;
  tlsCaPem: string | null;
  tlsServerName: string | null;
  requireClientTls: boolean;
  allowedGroups: string[];
  /** Upstream logins each gateway process may hold for this connection (0: no pooling); absent: the default. */
  poolSize?: number;
  /** How long a connect waits for a pooled login to come free before it is refused; absent: the default. */
  poolWaitMs?: number;
  /** Result bytes the session's recording keeps per statement; absent: the recording reads it from the store. */
  recordResultBytes?: number;
  /** Whose lexer reads the connection's statements (recordings bound literals by it); absent: PostgreSQL. */
  dialect?: "mysql";
};

export type Directory = {
  /**
   * The agent and its newest usable credential, or null when unknown, disabled, or with neither a
   * live credential nor a workload identity.
   */
  findAgent: (name: string) => Promise<AgentRecord | null>;
  /** Verifies a workload token against an agent's mapping; absent: workload tokens are refused. */
  verifyWorkloadToken?: (token: string, workload: WorkloadIdentity) => Promise<WorkloadCheck>;
  /** An enabled Postgres connection by name, or null. */
  findConnection: (name: string) => Promise<ConnectionRecord | null>;
  /**
   * Both of a login's lookups at once, as findAgent and findConnection answer them (a store reads
   * them in one round trip); absent: the two are asked side by side.
   */
  findLogin?: (
    agentName: string,
    connectionName: string,
  ) => Promise<{ agent: AgentRecord | null; connection: ConnectionRecord | null }>;
};

export function isAgentAllowed(agent: AgentRecord, connection: ConnectionRecord): boolean {
  return agent.groups.some((group) => connection.allowedGroups.includes(group));
}
