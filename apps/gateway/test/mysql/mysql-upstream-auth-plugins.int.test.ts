import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MariaDbServer, startOwnMariaDb } from "../../../../test/mariadb-server";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * The brokered upstream login answers MariaDB's ed25519 plugin (`client_ed25519`), against a real
 * MariaDB with the plugin installed (a server of this file's own: INSTALL SONAME changes the
 * server's global state), for the session's login and the catalog's side connections alike. (A
 * plugin Sluice does not speak is refused by name: upstream-login-plugins.test.ts; MariaDB's PAM
 * refuses before asking the client anything when PAM has no service, so it cannot show it here.)
 */
let server: MariaDbServer;
let ed25519: MySqlHarness;
const mask = {
  name: "mask-ssn",
  selector: "*.employees.ssn",
  detector: null,
  strategy: "REDACT" as const,
  keepLast: null,
  exemptGroups: [],
};

beforeAll(async () => {
  server = await startOwnMariaDb({});
  const login = {
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
  };
  const admin = await mysql.createConnection(login);
  try {
    await admin.query("INSTALL SONAME 'auth_ed25519'");
  } finally {
    await admin.end();
  }
  ed25519 = await startMySqlHarness({ masking: [mask] }, { server: login, upstreamPlugin: "ed25519" });
});
afterAll(async () => {
  await ed25519?.stop();
  await server?.stop();
});

describe("client_ed25519 upstream", () => {
  it("the upstream user really is ed25519: mysql2 alone cannot log in as it", async () => {
    const [rows] = (await ed25519.asAdmin(
      `SELECT plugin FROM mysql.user WHERE user = '${ed25519.upstreamUser}'`,
    )) as unknown as [Array<{ plugin: string }>];
    expect(rows).toEqual([{ plugin: "ed25519" }]);
    await expect(ed25519.connectDirect()).rejects.toThrow(/unknown plugin client_ed25519/);
  });

  it("the agent's session logs in through it, and masking (whose catalog logs in too) applies", async () => {
    const agent = await ed25519.connectAgent();
    try {
      const [rows] = await agent.query("SELECT id, ssn, CURRENT_USER() AS who FROM employees ORDER BY id");
      expect(rows).toEqual([
        { id: 1, ssn: "[REDACTED]", who: `${ed25519.upstreamUser}@%` },
        { id: 2, ssn: "[REDACTED]", who: `${ed25519.upstreamUser}@%` },
      ]);
      // A write on a masked connection needs the catalog's write code: read over the side
      // connection, which logs in with ed25519 as well (else every write is refused).
      const [result] = await agent.query("UPDATE departments SET name = 'platform' WHERE id = 1");
      expect(result).toMatchObject({ affectedRows: 1 });
    } finally {
      await agent.end();
    }
  });

  it("a wrong brokered password is the server's refusal", async () => {
    await ed25519.asAdmin(
      `ALTER USER '${ed25519.upstreamUser}'@'%' IDENTIFIED VIA ed25519 USING PASSWORD('changed')`,
    );
    try {
      await expect(ed25519.connectAgent()).rejects.toThrow(/Access denied/);
    } finally {
      await ed25519.asAdmin(
        `ALTER USER '${ed25519.upstreamUser}'@'%' IDENTIFIED VIA ed25519 USING PASSWORD('${ed25519.upstreamPassword}')`,
      );
    }
    const agent = await ed25519.connectAgent();
    await agent.end();
  });
});
