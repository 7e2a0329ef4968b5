import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { type Harness, startHarness } from "./support/gateway-harness";

let harness: Harness;
let hbaFile = "";
let originalHba = "";
const suffix = randomBytes(3).toString("hex");
const md5Role = `md5_${suffix}`;
const trustRole = `trust_${suffix}`;
const password = randomBytes(10).toString("hex");
let upstreamCa = "";

/**
 * The integration server gets TLS (a certificate from a throwaway CA) and pg_hba lines that make
 * one role use md5 and one use trust, so every upstream login path runs against real PostgreSQL.
 */
beforeAll(async () => {
  harness = await startHarness();
  const adminUrl = inject("adminUrl");
  hbaFile = (await adminQuery(adminUrl, "SHOW hba_file")).rows[0].hba_file;
  originalHba = readFileSync(hbaFile, "utf8");
  writeFileSync(
    hbaFile,
    `host all ${md5Role} 127.0.0.1/32 md5\nhost all ${trustRole} 127.0.0.1/32 trust\n${originalHba}`,
  );
  const tlsDir = mkdtempSync(path.join(tmpdir(), "sluice-upstream-tls-"));
  const material = ensureTlsMaterial(tlsDir);
  const serverDir = mkdtempSync(path.join(tmpdir(), "sluice-upstream-pg-"));
  chmodSync(serverDir, 0o755);
  for (const file of ["server.crt", "server.key"]) {
    copyFileSync(path.join(tlsDir, file), path.join(serverDir, file));
    chownSync(path.join(serverDir, file), uid("postgres"), gid("postgres"));
    chmodSync(path.join(serverDir, file), 0o600);
  }
  upstreamCa = material.ca.toString();
  await adminQuery(adminUrl, `ALTER SYSTEM SET ssl_cert_file = '${serverDir}/server.crt'`);
  await adminQuery(adminUrl, `ALTER SYSTEM SET ssl_key_file = '${serverDir}/server.key'`);
  await adminQuery(adminUrl, "ALTER SYSTEM SET ssl = on");
  await adminQuery(
    adminUrl,
    `SET password_encryption = 'md5'; CREATE ROLE ${md5Role} LOGIN PASSWORD '${password}'`,
  );
  await adminQuery(adminUrl, `CREATE ROLE ${trustRole} LOGIN`);
  await adminQuery(adminUrl, "SELECT pg_reload_conf()");
});

afterAll(async () => {
  const adminUrl = inject("adminUrl");
  if (hbaFile) writeFileSync(hbaFile, originalHba);
  await adminQuery(adminUrl, "ALTER SYSTEM RESET ssl");
  await adminQuery(adminUrl, "ALTER SYSTEM RESET ssl_cert_file");
  await adminQuery(adminUrl, "ALTER SYSTEM RESET ssl_key_file");
  await adminQuery(adminUrl, "SELECT pg_reload_conf()");
  await harness?.stop();
  await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${md5Role}`);
  await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${trustRole}`);
});

function uid(user: string): number {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}
function gid(user: string): number {
  return Number(execFileSync("id", ["-g", user]).toString().trim());
}

async function queryThrough(connection: string, sql: string): Promise<pg.QueryResult | pg.DatabaseError> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, connection),
  });
  try {
    await client.connect();
    return await client.query(sql);
  } catch (error) {
    return error as pg.DatabaseError;
  } finally {
    await client.end().catch(() => {});
  }
}

function upstreamBase() {
  const admin = new URL(inject("adminUrl"));
  return { host: admin.hostname, port: Number(admin.port), database: "postgres" };
}

const IS_SSL = "SELECT current_user AS who, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

describe("upstream login with brokered credentials", () => {
  it("uses md5 and trust as the upstream asks", async () => {
    await harness.addConnection({
      name: `md5-${suffix}`,
      ...upstreamBase(),
      username: md5Role,
      password,
      tlsMode: "DISABLE",
    });
    await harness.addConnection({
      name: `trust-${suffix}`,
      ...upstreamBase(),
      username: trustRole,
      tlsMode: "DISABLE",
    });
    expect((await queryThrough(`md5-${suffix}`, IS_SSL)) as pg.QueryResult).toMatchObject({
      rows: [{ who: md5Role, ssl: false }],
    });
    expect((await queryThrough(`trust-${suffix}`, IS_SSL)) as pg.QueryResult).toMatchObject({
      rows: [{ who: trustRole, ssl: false }],
    });
  });

  it("negotiates TLS with the upstream per mode and verifies it with verify-full", async () => {
    const base = { ...upstreamBase(), host: "localhost", username: md5Role, password };
    await harness.addConnection({ name: `req-${suffix}`, ...base, tlsMode: "REQUIRE" });
    await harness.addConnection({
      name: `full-${suffix}`,
      ...base,
      tlsMode: "VERIFY_FULL",
      tlsCaPem: upstreamCa,
    });
    await harness.addConnection({ name: `wrongca-${suffix}`, ...base, tlsMode: "VERIFY_FULL" });
    expect((await queryThrough(`req-${suffix}`, IS_SSL)) as pg.QueryResult).toMatchObject({
      rows: [{ ssl: true }],
    });
    expect((await queryThrough(`full-${suffix}`, IS_SSL)) as pg.QueryResult).toMatchObject({
      rows: [{ ssl: true }],
    });
    expect(await queryThrough(`wrongca-${suffix}`, IS_SSL)).toMatchObject({
      code: "08001",
      message: expect.stringContaining("TLS with the upstream failed"),
    });
  });

  it("gives a clear FATAL for an unreachable upstream and for a wrong brokered password", async () => {
    await harness.addConnection({
      name: `down-${suffix}`,
      host: "127.0.0.1",
      port: 1,
      database: "x",
      username: "x",
      password: "x",
      tlsMode: "DISABLE",
    });
    await harness.addConnection({
      name: `badpw-${suffix}`,
      ...upstreamBase(),
      username: md5Role,
      password: "wrong",
      tlsMode: "DISABLE",
    });
    expect(await queryThrough(`down-${suffix}`, "SELECT 1")).toMatchObject({
      code: "08001",
      message: expect.stringContaining("could not reach the upstream at 127.0.0.1:1: ECONNREFUSED"),
    });
    const badPassword = await queryThrough(`badpw-${suffix}`, "SELECT 1");
    expect(badPassword).toMatchObject({
      code: "08004",
      message: expect.stringContaining("refused Sluice's brokered credentials"),
    });
    expect((badPassword as Error).message).not.toContain("wrong");
  });
});

describe("client TLS and access", () => {
  it("refuses plaintext agents on a connection that requires TLS and serves them over TLS", async () => {
    const connection = await harness.addConnection({
      name: `tlsonly-${suffix}`,
      ...upstreamBase(),
      username: trustRole,
      tlsMode: "DISABLE",
    });
    await harness.prisma.connection.update({
      where: { id: connection.id },
      data: { requireClientTls: true },
    });
    expect(await queryThrough(`tlsonly-${suffix}`, "SELECT 1")).toMatchObject({
      code: "28000",
      message: expect.stringContaining("requires TLS"),
    });
    const client = new pg.Client({
      connectionString: harness.urlFor(
        harness.agent.name,
        harness.token,
        `tlsonly-${suffix}`,
        `sslmode=verify-full&sslrootcert=${harness.caFile}`,
      ),
    });
    await client.connect();
    expect((await client.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
    await client.end();
  });

  // How soon (the watcher's poll) is the unit tier's: revocation-watcher.test.ts, on a fake clock.
  it("ends live sessions when the credential is revoked, and refuses new ones", async () => {
    const { agent, token, credential } = await harness.addAgent(`revoked-${suffix}`, ["analysts"]);
    const client = new pg.Client({ connectionString: harness.urlFor(agent.name, token) });
    await client.connect();
    const ended = new Promise<Error>((resolve) => client.on("error", resolve));
    await client.query("SELECT 1");
    await harness.prisma.agentCredential.update({
      where: { id: credential.id },
      data: { revokedAt: new Date() },
    });
    const error = await ended;
    expect(error.message).toContain("credential was revoked or the agent was disabled");
    const again = await new pg.Client({ connectionString: harness.urlFor(agent.name, token) })
      .connect()
      .catch((e: Error) => e);
    expect(again).toMatchObject({ code: "28P01" });
  });

  it("ends live sessions when the agent is disabled", async () => {
    const { agent, token } = await harness.addAgent(`disabled-${suffix}`, ["analysts"]);
    const client = new pg.Client({ connectionString: harness.urlFor(agent.name, token) });
    await client.connect();
    const ended = new Promise<Error>((resolve) => client.on("error", resolve));
    await harness.prisma.agent.update({ where: { id: agent.id }, data: { isDisabled: true } });
    expect((await ended).message).toContain("the session was ended");
  });
});
