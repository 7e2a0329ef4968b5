import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import mysql from "mysql2/promise";
import { generateAgentToken } from "../../packages/secrets/src/agent-token";
import { createScramVerifier } from "../../packages/secrets/src/scram-verifier";
import { ensureTlsMaterial } from "../../packages/transport/src/tls-material";
import { startMariaDb } from "../../test/mariadb-server";
import { freePort } from "./free-port";

/**
 * What the MySQL benches share: a throwaway MariaDB with `bench.items` (1,000 rows, and a `secret`
 * column the statements never read, for a masking rule), a bench user, one agent with its token,
 * the connection record the gateway brokers and the TLS material agents connect with.
 */
export async function startMySqlBench(name: string) {
  const server = await startMariaDb(await freePort());
  const home = mkdtempSync(path.join(tmpdir(), `sluice-${name}-`));
  const password = randomBytes(12).toString("base64url");
  const admin = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    multipleStatements: true,
  });
  await admin.query(`CREATE DATABASE bench;
    CREATE TABLE bench.items (id INT PRIMARY KEY, label VARCHAR(50), secret VARCHAR(50));
    INSERT INTO bench.items SELECT seq, CONCAT('item ', seq), 'hidden' FROM bench.seq_1_to_1000;
    CREATE USER 'bench'@'%' IDENTIFIED BY '${password}'; GRANT ALL ON bench.* TO 'bench'@'%';`);
  await admin.end();
  const token = generateAgentToken();
  const agent = {
    agentId: "a",
    agentName: "bench-agent",
    credentialId: "c",
    scramVerifier: createScramVerifier(token),
    groups: ["g"],
  };
  const connection = {
    connectionId: "c1",
    name: "bench",
    host: server.host,
    port: server.port,
    database: "bench",
    user: "bench",
    password,
    tlsMode: "DISABLE" as const,
    tlsCaPem: null,
    tlsServerName: null,
    requireClientTls: true,
    allowedGroups: ["g"],
  };
  const material = ensureTlsMaterial(path.join(home, "tls"));
  return {
    agent,
    connection,
    policy: { connectionName: "bench", isReadOnly: false, guardrails: [], reviews: [] },
    /** The listener's agent and connection lookups. */
    directory: {
      findAgent: async () => agent,
      findConnection: async (wanted: string) => (wanted === "bench" ? connection : null),
    },
    tlsContext: tls.createSecureContext({ cert: material.cert, key: material.key }),
    /** The direct leg: the bench user straight to MariaDB, without TLS (as the upstream leg is). */
    connectDirect: () =>
      mysql.createConnection({
        host: server.host,
        port: server.port,
        user: "bench",
        password,
        database: "bench",
      }),
    /** The agent through a gateway listening on `port`, over TLS as agents must. */
    connectThrough: (port: number) =>
      mysql.createConnection({
        host: "127.0.0.1",
        port,
        user: agent.agentName,
        password: token,
        database: "bench",
        ssl: { ca: material.ca.toString() },
      }),
    stop: async () => {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Statements per second of `count` sequential statements on one connection. */
export async function statementsPerSecond(count: number, statement: (id: number) => Promise<unknown>) {
  const started = performance.now();
  for (let i = 0; i < count; i++) await statement((i % 1000) + 1);
  return count / ((performance.now() - started) / 1000);
}
