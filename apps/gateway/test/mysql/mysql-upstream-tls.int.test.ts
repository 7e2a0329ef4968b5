import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { testMySqlConnection } from "@sluice/admin/test-mysql-connection";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { decryptSecret } from "@sluice/secrets/secret-box";
import { testConnectionRecord } from "@sluice/session/testing";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type MariaDbServer, startMariaDb } from "../../../../test/mariadb-server";
import { createMySqlCatalogs } from "../../src/mysql/mysql-catalog";
import { type Harness, startHarness } from "../support/gateway-harness";

/**
 * TLS from the gateway to a MySQL upstream: a MariaDB of this file's own that offers TLS with a
 * certificate from a private CA, and a login that the server accepts only over TLS (REQUIRE SSL),
 * so a session that gets rows went through TLS. The connection's mode and CA decide; a wrong CA or
 * name is refused, and REQUIRE refuses a server that offers no TLS, before any credential is sent.
 */
let harness: Harness;
let server: MariaDbServer;
let dir: string;
let caPem: string;
let otherCaPem: string;
const USER = "tls_only";
const PASSWORD = "tls-only-password";

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => probe.once("listening", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "sluice-mysql-tls-"));
  const material = ensureTlsMaterial(path.join(dir, "server"));
  caPem = material.ca.toString();
  otherCaPem = ensureTlsMaterial(path.join(dir, "other")).ca.toString();
  server = await startMariaDb(await freePort(), {
    tls: { certFile: material.certFile, keyFile: material.keyFile },
  });
  await server.execute(`
    CREATE DATABASE secure_shop;
    CREATE TABLE secure_shop.notes (id INT PRIMARY KEY, body TEXT);
    INSERT INTO secure_shop.notes VALUES (1, 'over tls');
    CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL;
    GRANT ALL ON secure_shop.* TO '${USER}'@'%';`);
  harness = await startHarness({ mysqlPort: 0 });
});
afterAll(async () => {
  await harness?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Fields = {
  tlsMode: "DISABLE" | "PREFER" | "REQUIRE" | "VERIFY_CA" | "VERIFY_FULL";
  tlsCaPem?: string;
  tlsServerName?: string;
};

async function addConnection(name: string, fields: Fields, upstream: "tls" | "plain" = "tls") {
  const plain = inject("mariadb");
  await harness.addConnection({
    name,
    type: "MYSQL",
    host: "127.0.0.1",
    ...(upstream === "tls"
      ? { port: server.port, database: "secure_shop", username: USER, password: PASSWORD }
      : { port: plain.port, database: "mysql", username: plain.user, password: plain.password }),
    ...fields,
  });
}

/** The agent's session through the gateway: the rows, or the error the client was given. */
async function agentQuery(connection: string, sql: string): Promise<unknown> {
  try {
    const agent = await mysql.createConnection({
      host: "127.0.0.1",
      port: harness.gateway.mysqlPort as number,
      user: harness.agent.name,
      password: harness.token,
      database: connection,
      ssl: { ca: readFileSync(harness.caFile as string, "utf8") },
    });
    try {
      const [rows] = await agent.query(sql);
      return rows;
    } finally {
      await agent.end();
    }
  } catch (error) {
    return { errno: (error as { errno?: number }).errno, message: (error as Error).message };
  }
}

async function consoleTest(name: string) {
  const row = await harness.prisma.connection.findUniqueOrThrow({ where: { name } });
  const password = decryptSecret(
    row.passwordCipher as string,
    harness.secretKey,
    connectionSecretAad(row.id),
  );
  return testMySqlConnection(row, password);
}

describe("TLS to a MySQL upstream", () => {
  it("verify-full: the login goes inside TLS checked against the connection's CA and name", async () => {
    await addConnection("tls-full", { tlsMode: "VERIFY_FULL", tlsCaPem: caPem });
    await addConnection("tls-full-named", {
      tlsMode: "VERIFY_FULL",
      tlsCaPem: caPem,
      tlsServerName: "localhost",
    });
    expect(await agentQuery("tls-full", "SELECT id, body FROM notes")).toEqual([{ id: 1, body: "over tls" }]);
    expect(await agentQuery("tls-full-named", "SELECT body FROM notes")).toEqual([{ body: "over tls" }]);
    expect(await consoleTest("tls-full")).toMatchObject({ ok: true, isTls: true });
    // The server takes this login only over TLS (REQUIRE SSL): the rows above crossed TLS.
    await addConnection("tls-off", { tlsMode: "DISABLE" });
    const refused = await agentQuery("tls-off", "SELECT 1");
    expect((refused as Error).message).toMatch(/Access denied for user 'tls_only'/);
  });

  it("refuses a server whose certificate another CA signed, or that is not the name asked for", async () => {
    await addConnection("tls-wrong-ca", { tlsMode: "VERIFY_CA", tlsCaPem: otherCaPem });
    await addConnection("tls-wrong-name", {
      tlsMode: "VERIFY_FULL",
      tlsCaPem: caPem,
      tlsServerName: "db.elsewhere.test",
    });
    const wrongCa = await agentQuery("tls-wrong-ca", "SELECT 1");
    expect(wrongCa).toMatchObject({ errno: 1045 });
    expect((wrongCa as Error).message).toMatch(
      /could not log in to connection "tls-wrong-ca": TLS with the upstream failed: .*(certificate|verify)/,
    );
    const wrongName = await agentQuery("tls-wrong-name", "SELECT 1");
    expect((wrongName as Error).message).toMatch(
      /TLS with the upstream failed: Hostname\/IP does not match certificate's altnames: Host: db\.elsewhere\.test/,
    );
    const fromConsole = await consoleTest("tls-wrong-ca");
    expect(fromConsole.ok ? "" : fromConsole.error).toMatch(/^TLS: .*(certificate|verify)/);
  });

  it("require refuses a server that offers no TLS, before any credential is sent", async () => {
    await addConnection("plain-required", { tlsMode: "REQUIRE" }, "plain");
    await addConnection("plain-preferred", { tlsMode: "PREFER" }, "plain");
    const refused = await agentQuery("plain-required", "SELECT 1");
    expect(refused).toMatchObject({ errno: 1045 });
    expect((refused as Error).message).toContain(
      "TLS: the upstream does not offer TLS and the connection requires it (REQUIRE)",
    );
    expect(await agentQuery("plain-preferred", "SELECT 7 AS n")).toEqual([{ n: 7 }]);
  });

  it("the catalog's side connection checks the connection's TLS server name, not only the host", async () => {
    // The certificate names localhost and 127.0.0.1: the host alone would pass any name.
    const catalogFor = (tlsServerName: string) =>
      createMySqlCatalogs()(
        testConnectionRecord({
          connectionId: `catalog-${tlsServerName}`,
          host: "127.0.0.1",
          port: server.port,
          database: "secure_shop",
          user: USER,
          password: PASSWORD,
          tlsMode: "VERIFY_FULL",
          tlsCaPem: caPem,
          tlsServerName,
        }),
      );
    const named = await catalogFor("localhost").refresh();
    expect(named.relations.get("secure_shop.notes")).toBe("table");
    await expect(catalogFor("db.elsewhere.test").refresh()).rejects.toThrow(
      /Hostname\/IP does not match certificate's altnames: Host: db\.elsewhere\.test/,
    );
  });
});
