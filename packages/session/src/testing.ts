import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import type { AgentRecord, ConnectionRecord } from "./directory";

/**
 * Directory records for tests that drive a session without a store (the phase machine, transport,
 * the MySQL harness): one copy of their many required fields, each test overriding what it is about.
 */

/** An agent "reporter" in group "analysts" whose one token is `token`. */
export function testAgentRecord(token: string, overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    agentId: "agent-1",
    agentName: "reporter",
    credentialId: "cred-1",
    // Few iterations and a fixed salt: the proof is real SCRAM, and quick to check.
    scramVerifier: createScramVerifier(token, Buffer.alloc(16, 1), 4096),
    groups: ["analysts"],
    ...overrides,
  };
}

/** A connection "shop" open to group "analysts", upstream `app`@db.internal:5432/shop without TLS. */
export function testConnectionRecord(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    connectionId: "conn-1",
    name: "shop",
    host: "db.internal",
    port: 5432,
    database: "shop",
    user: "app",
    password: "pencil",
    tlsMode: "DISABLE",
    tlsCaPem: null,
    tlsServerName: null,
    requireClientTls: false,
    allowedGroups: ["analysts"],
    ...overrides,
  };
}
