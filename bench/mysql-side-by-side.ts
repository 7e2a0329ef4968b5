/**
 * MySQL data path, side by side in one run: mysql2 straight to a throwaway MariaDB vs through
 * Sluice's MySQL listener (TLS to the gateway, as agents must use it; the direct leg without TLS, as
 * the upstream leg is). Connect time (median of CONNECTS logins) and steady state (sequential
 * point SELECTs on one connection, text protocol and prepared). Writes docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/mysql-side-by-side.ts
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import mysql from "mysql2/promise";
import { createMySqlCatalogs } from "../apps/gateway/src/mysql/mysql-catalog";
import { parseMySql } from "../packages/mysql-sql/src/parse";
import { createPolicyDecisionPoint } from "../packages/policy/src/decision-point";
import { FactsCache } from "../packages/policy/src/facts-cache";
import { generateAgentToken } from "../packages/secrets/src/agent-token";
import { createScramVerifier } from "../packages/secrets/src/scram-verifier";
import { startMySqlListener } from "../packages/transport/src/mysql/mysql-listener";
import { ensureTlsMaterial } from "../packages/transport/src/tls-material";
import { startMariaDb } from "../test/mariadb-server";
import { freePort } from "./lib/free-port";
import { table, writeSection } from "./lib/markdown-section";

/** Kept small: the machine is shared, and the ratio settles within a few thousand statements. */
const STATEMENTS = 3000;
const CONNECTS = 30;

const server = await startMariaDb(await freePort());
const home = mkdtempSync(path.join(tmpdir(), "sluice-mysql-bench-"));
try {
  const password = randomBytes(12).toString("base64url");
  const admin = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    multipleStatements: true,
  });
  await admin.query(`CREATE DATABASE bench; CREATE TABLE bench.items (id INT PRIMARY KEY, label VARCHAR(50));
    INSERT INTO bench.items SELECT seq, CONCAT('item ', seq) FROM bench.seq_1_to_1000;
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
  const policy = { connectionName: "bench", isReadOnly: false, guardrails: [], reviews: [] };
  const material = ensureTlsMaterial(path.join(home, "tls"));
  const listener = await startMySqlListener({
    port: 0,
    directory: {
      findAgent: async () => agent,
      findConnection: async (name) => (name === "bench" ? connection : null),
    },
    decisions: createPolicyDecisionPoint({
      policies: { version: 1, get: () => policy, reload: async () => {} },
      facts: new FactsCache({ parseStatements: parseMySql, normalize: null }),
      upstreamUser: () => "bench",
    }),
    maskingRules: () => [],
    catalogFor: createMySqlCatalogs(),
    hashKey: randomBytes(32),
    tlsContext: tls.createSecureContext({ cert: material.cert, key: material.key }),
    log: () => {},
  });
  const legs = {
    direct: () =>
      mysql.createConnection({
        host: server.host,
        port: server.port,
        user: "bench",
        password,
        database: "bench",
      }),
    sluice: () =>
      mysql.createConnection({
        host: "127.0.0.1",
        port: listener.port,
        user: agent.agentName,
        password: token,
        database: "bench",
        ssl: { ca: material.ca.toString() },
      }),
  };
  const rows: string[][] = [];
  const results: Record<string, { connectMs: number; textQps: number; preparedQps: number }> = {};
  for (const [name, connect] of Object.entries(legs)) {
    const times: number[] = [];
    for (let i = 0; i < CONNECTS; i++) {
      const started = performance.now();
      const client = await connect();
      times.push(performance.now() - started);
      await client.end();
    }
    times.sort((a, b) => a - b);
    const client = await connect();
    const run = async (statement: (id: number) => Promise<unknown>) => {
      const started = performance.now();
      for (let i = 0; i < STATEMENTS; i++) await statement((i % 1000) + 1);
      return STATEMENTS / ((performance.now() - started) / 1000);
    };
    const textQps = await run((id) => client.query(`SELECT id, label FROM items WHERE id = ${id}`));
    const preparedQps = await run((id) => client.execute("SELECT id, label FROM items WHERE id = ?", [id]));
    await client.end();
    results[name] = { connectMs: times[Math.floor(times.length / 2)] as number, textQps, preparedQps };
  }
  const direct = results.direct as (typeof results)[string];
  for (const [name, result] of Object.entries(results)) {
    rows.push([
      name,
      result.connectMs.toFixed(1),
      result.textQps.toFixed(0),
      `${((result.textQps / direct.textQps) * 100).toFixed(0)}%`,
      result.preparedQps.toFixed(0),
      `${((result.preparedQps / direct.preparedQps) * 100).toFixed(0)}%`,
    ]);
  }
  const body = `## MySQL: mysql2 direct vs Sluice

${new Date().toISOString().slice(0, 10)} · MariaDB (Debian) · Node ${process.version} · ${STATEMENTS} sequential point SELECTs per protocol on one connection, median of ${CONNECTS} connects. Sluice's leg includes TLS to the gateway and a policy decision per statement (different literal each time); the direct leg has no TLS.

${table(["leg", "connect ms (median)", "text q/s", "text vs direct", "prepared q/s", "prepared vs direct"], rows)}
`;
  console.log(body);
  writeSection(path.join(import.meta.dirname, "../docs/benchmarks.md"), "mysql-side-by-side", body);
  await listener.close();
} finally {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
