/**
 * What the session needs to know about agents and connections. The gateway app implements it over
 * the store; tests implement it in memory.
 */
export type AgentRecord = {
  agentId: string;
  agentName: string;
  credentialId: string;
  /** PostgreSQL-format SCRAM-SHA-256 verifier of the agent's current token. */
  scramVerifier: string;
  /** The agent's other live tokens (a rotation's grace window, or several issued side by side). */
  otherCredentials?: { credentialId: string; scramVerifier: string }[];
  groups: string[];
};

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
};

export type Directory = {
  /** The agent and its newest usable credential, or null when unknown, disabled or revoked. */
  findAgent: (name: string) => Promise<AgentRecord | null>;
  /** An enabled Postgres connection by name, or null. */
  findConnection: (name: string) => Promise<ConnectionRecord | null>;
};

export function isAgentAllowed(agent: AgentRecord, connection: ConnectionRecord): boolean {
  return agent.groups.some((group) => connection.allowedGroups.includes(group));
}
