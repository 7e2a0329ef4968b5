import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { isOwnerCodeCallAllowed } from "@sluice/policy/mysql-owner-code-calls";
import type { ConnectionPolicy, MaskingRuleDef } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";
import { generateAgentToken } from "@sluice/secrets/agent-token";
import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import type { Directory } from "@sluice/session/directory";
import { testConnectionRecord } from "@sluice/session/testing";
import { type MySqlListenerOptions, startMySqlListener } from "@sluice/transport/mysql/mysql-listener";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import mysql from "mysql2/promise";
import { inject } from "vitest";
import { createMySqlCatalogs } from "../../src/mysql/mysql-catalog";
import { createMySqlStatements } from "../../src/mysql/mysql-statements";
import { createParsePool } from "../../src/parse-limits";

const run = promisify(execFile);

export type MySqlHarness = Awaited<ReturnType<typeof startMySqlHarness>>;
/** An administrative TCP login, as the integration tier provides its MariaDB's. */
export type MariaDbLogin = { host: string; port: number; user: string; password: string };

/** The seeded `employees.email` redacted: the masking most MySQL bypass cases attack. */
export const MASK_EMPLOYEE_EMAIL: MaskingRuleDef = {
  name: "mask-email",
  selector: "*.employees.email",
  detector: null,
  strategy: "REDACT",
  keepLast: null,
  exemptGroups: [],
};
/** The seeded `employees.ssn` partially masked, its last 4 digits kept. */
export const MASK_EMPLOYEE_SSN: MaskingRuleDef = {
  name: "mask-ssn",
  selector: "*.employees.ssn",
  detector: null,
  strategy: "PARTIAL",
  keepLast: 4,
  exemptGroups: [],
};

/** Statements that give each harness its own database on the integration tier's MariaDB. */
function seedSql(database: string, user: string, password: string, plugin: string): string {
  return `
    CREATE DATABASE ${database} CHARACTER SET utf8mb4;
    CREATE TABLE ${database}.employees (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(200), ssn VARCHAR(20), salary INT);
    INSERT INTO ${database}.employees VALUES
      (1, 'Ada', 'ada@example.com', '123-45-6789', 100), (2, 'Grace', 'grace@example.com', '987-65-4321', 200);
    CREATE TABLE ${database}.departments (id INT PRIMARY KEY, name VARCHAR(100));
    INSERT INTO ${database}.departments VALUES (1, 'eng');
    CREATE USER '${user}'@'%' IDENTIFIED VIA ${plugin} USING PASSWORD('${password}');
    GRANT ALL ON ${database}.* TO '${user}'@'%';
  `;
}

/**
 * The MySQL listener on a free port in front of the integration tier's MariaDB, with one agent
 * (token checked against a SCRAM verifier, as the store keeps it) allowed on one connection whose
 * upstream login is a real user with a password. `policy` may be changed between statements.
 */
export async function startMySqlHarness(
  policy: Partial<ConnectionPolicy> = {},
  /** Another MariaDB than the integration tier's (a test file's own; see startOwnMariaDb). */
  options: {
    server?: MariaDbLogin;
    /** Another catalog than the upstream's real one (a catalog that cannot be read). */
    catalogFor?: MySqlListenerOptions["catalogFor"];
    /** The upstream login's server plugin (`ed25519` needs `INSTALL SONAME 'auth_ed25519'` first). */
    upstreamPlugin?: "mysql_native_password" | "ed25519";
    /** The longest statement judged (the gateway's `maxStatementBytes`). */
    maxStatementBytes?: number;
  } = {},
) {
  const server = options.server ?? inject("mariadb");
  const suffix = randomBytes(4).toString("hex");
  const database = `shop_${suffix}`;
  const upstreamUser = `app_${suffix}`;
  const upstreamPassword = randomBytes(12).toString("base64url");
  const admin = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    multipleStatements: true,
  });
  await admin.query(
    seedSql(database, upstreamUser, upstreamPassword, options.upstreamPlugin ?? "mysql_native_password"),
  );

  const token = generateAgentToken();
  const agent = {
    agentId: "agent-1",
    agentName: "agent-a",
    credentialId: "cred-1",
    scramVerifier: createScramVerifier(token),
    groups: ["analysts"],
  };
  /** A second agent allowed on the same connection, for what one agent may do to another's sessions. */
  const otherToken = generateAgentToken();
  const otherAgent = {
    ...agent,
    agentId: "agent-2",
    agentName: "agent-b",
    credentialId: "cred-2",
    scramVerifier: createScramVerifier(otherToken),
  };
  const connection = testConnectionRecord({
    host: server.host,
    port: server.port,
    database,
    user: upstreamUser,
    password: upstreamPassword,
    requireClientTls: true,
  });
  const directory: Directory = {
    findAgent: async (name) => [agent, otherAgent].find((known) => known.agentName === name) ?? null,
    findConnection: async (name) => (name === connection.name ? connection : null),
  };
  // A new policy is a new version, as the store's policy version is bumped with every change.
  let policyVersion = 1;
  let currentPolicy: ConnectionPolicy = {
    connectionName: "shop",
    isReadOnly: false,
    guardrails: [],
    reviews: [],
    ...policy,
  };
  const current = {
    get policy(): ConnectionPolicy {
      return currentPolicy;
    },
    set policy(next: ConnectionPolicy) {
      currentPolicy = next;
      policyVersion += 1;
    },
  };
  // Read as the gateway reads them: large statements on parse threads of the harness's own.
  const parsePool = createParsePool();
  const statements = createMySqlStatements(parsePool, options.maxStatementBytes);
  const decisions = createPolicyDecisionPoint({
    policies: {
      get version() {
        return policyVersion;
      },
      get: () => current.policy,
      reload: async () => {},
    },
    facts: statements.facts,
    upstreamUser: () => upstreamUser,
    ...(options.maxStatementBytes ? { maxStatementBytes: options.maxStatementBytes } : {}),
  });
  const home = mkdtempSync(path.join(tmpdir(), "sluice-mysql-"));
  const material = ensureTlsMaterial(path.join(home, "tls"));
  const verdicts: Array<{ sql: string; verdict: Verdict }> = [];
  const logs: string[] = [];
  const listener = await startMySqlListener({
    port: 0,
    directory,
    decisions,
    maskingRules: () => current.policy.masking ?? [],
    isCallAllowed: (_connectionId, call) => isOwnerCodeCallAllowed(current.policy, call),
    catalogFor: options.catalogFor ?? createMySqlCatalogs(),
    hashKey: randomBytes(32),
    reading: statements.reading,
    tlsContext: tls.createSecureContext({ cert: material.cert, key: material.key }),
    onVerdict: (_identity, sql, verdict) => verdicts.push({ sql, verdict }),
    log: (line) => logs.push(line),
  });

  /** mysql2 through the gateway (TLS with the gateway's CA). */
  const connectAgent = (
    options: {
      password?: string;
      database?: string;
      ssl?: boolean;
      isOtherAgent?: boolean;
      multipleStatements?: boolean;
    } = {},
  ) =>
    mysql.createConnection({
      host: "127.0.0.1",
      port: listener.port,
      user: options.isOtherAgent ? otherAgent.agentName : agent.agentName,
      password: options.password ?? (options.isOtherAgent ? otherToken : token),
      database: options.database ?? "shop",
      ...(options.multipleStatements ? { multipleStatements: true } : {}),
      ...(options.ssl === false ? {} : { ssl: { ca: material.ca.toString() } }),
    });

  /** The same database directly, as the upstream user (what an agent would see without Sluice). */
  const connectDirect = (options: { multipleStatements?: boolean } = {}) =>
    mysql.createConnection({
      ...(options.multipleStatements ? { multipleStatements: true } : {}),
      host: server.host,
      port: server.port,
      user: upstreamUser,
      password: upstreamPassword,
      database,
    });

  /** The `mariadb` command-line client through the gateway; resolves with stdout or rejects with stderr. */
  const mariadbCli = async (sql: string) => {
    const { stdout } = await run("mariadb", [
      "--no-defaults",
      "--protocol=TCP",
      "-h",
      "127.0.0.1",
      "-P",
      String(listener.port),
      "-u",
      agent.agentName,
      `-p${token}`,
      "--ssl",
      `--ssl-ca=${material.caFile}`,
      "--batch",
      "shop",
      "-e",
      sql,
    ]);
    return stdout;
  };

  /** PyMySQL through the gateway: prints rows as JSON, one line per statement. */
  const pymysql = async (statements: string[]) => {
    const script = `
import json, sys, pymysql
conn = pymysql.connect(host="127.0.0.1", port=${listener.port}, user=${JSON.stringify(agent.agentName)},
    password=sys.argv[1], database="shop", ssl={"ca": ${JSON.stringify(material.caFile)}})
out = []
for sql in json.loads(sys.argv[2]):
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            out.append({"rows": [list(r) for r in cur.fetchall()]})
    except pymysql.err.MySQLError as e:
        out.append({"error": e.args[0], "message": e.args[1]})
print(json.dumps(out, default=str))
`;
    const { stdout } = await run("/usr/bin/python3", ["-c", script, token, JSON.stringify(statements)]);
    return JSON.parse(stdout) as Array<{ rows?: unknown[][]; error?: number; message?: string }>;
  };

  /**
   * SQLAlchemy (`mysql+pymysql://`, as LangChain's SQLDatabase and CrewAI's NL2SQLTool reach a
   * database) through the gateway or directly: what `inspect()` reports of `table` and its rows.
   */
  const sqlalchemy = async (via: "gateway" | "direct", table: string) => {
    const url =
      via === "gateway"
        ? `mysql+pymysql://${agent.agentName}:${token}@127.0.0.1:${listener.port}/shop`
        : `mysql+pymysql://${upstreamUser}:${upstreamPassword}@${server.host}:${server.port}/${database}`;
    const ssl = via === "gateway" ? `{"ssl": {"ca": ${JSON.stringify(material.caFile)}}}` : "{}";
    const script = `
import json, sys
from sqlalchemy import create_engine, inspect, text
engine = create_engine(sys.argv[1], connect_args=${ssl})
table = sys.argv[2]
found = inspect(engine)
with engine.connect() as conn:
    rows = [list(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
print(json.dumps({
    "tables": sorted(found.get_table_names()),
    "columns": [[c["name"], str(c["type"])] for c in found.get_columns(table)],
    "primaryKey": found.get_pk_constraint(table)["constrained_columns"],
    "rows": rows,
}, default=str))
`;
    const { stdout } = await run("/usr/bin/python3", ["-c", script, url, table]);
    return JSON.parse(stdout) as {
      tables: string[];
      columns: string[][];
      primaryKey: string[];
      rows: unknown[][];
    };
  };

  /** Runs statements as the server's administrator inside this harness's database (views, grants). */
  const asAdmin = async (sql: string) => {
    await admin.query(`USE ${database}`);
    return admin.query(sql);
  };

  return {
    port: listener.port,
    asAdmin,
    upstreamUser,
    /** The brokered password (tests that change the upstream login put it back). */
    upstreamPassword,
    agentName: agent.agentName,
    token,
    database,
    current,
    verdicts,
    logs,
    caFile: material.caFile,
    connectAgent,
    connectDirect,
    mariadbCli,
    pymysql,
    sqlalchemy,
    stop: async () => {
      await listener.close();
      await parsePool.close();
      await admin.query(`DROP DATABASE ${database}; DROP USER '${upstreamUser}'@'%'`);
      await admin.end();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
