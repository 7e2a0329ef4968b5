import { readFileSync } from "node:fs";
import { WORKLOAD_TOKEN_NOT_ACCEPTED } from "@sluice/agent-guidance/agent-guidance";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";
import { createMariaStage, type MariaStage } from "./support/maria-stage";
import { refusalsSince } from "./support/refused-attempts";
import {
  expiryOf,
  startWorkloadIdps,
  strictVerifier,
  tamperedToken,
  WORKLOADS,
  type WorkloadIdp,
} from "./support/workload-idp";

/**
 * Agents with no static secret on the MySQL listener (the JWT is the password, sent in clear inside
 * TLS by caching_sha2_password's full authentication, as mysql2 does), and the end of a workload
 * session on both SQL listeners when its token expires.
 */
let harness: Harness;
let idps: WorkloadIdp;
let stage: MariaStage;

beforeAll(async () => {
  stage = await createMariaStage(
    "wl",
    (database) => `
      CREATE TABLE ${database}.items (id INT PRIMARY KEY, label VARCHAR(50));
      INSERT INTO ${database}.items VALUES (1, 'one');
    `,
  );
  harness = await startHarness({ mysqlPort: 0, verifyWorkloadToken: strictVerifier() });
  await stage.addConnection(harness);
  idps = await startWorkloadIdps();
});

afterAll(async () => {
  await harness?.stop();
  await idps?.close();
  await stage?.drop();
});

const ca = () => readFileSync(harness.caFile as string, "utf8");

/** mysql2 over TLS verifying the gateway's CA: caching_sha2_password's full authentication sends the token. */
const mysqlConnect = (agentName: string, token: string) =>
  mysql.createConnection({
    host: "127.0.0.1",
    port: harness.gateway.mysqlPort as number,
    user: agentName,
    password: token,
    database: "maria",
    ssl: { ca: ca() },
  });

const sessionsOf = (agentId: string) => harness.prisma.gatewaySession.count({ where: { agentId } });

describe("workload tokens on the MySQL listener", () => {
  it("[MySQL] an agent with no static secret signs in with the provider's token and reads", async () => {
    const agent = await idps.addAgent(harness, WORKLOADS.reporting);
    const client = await mysqlConnect(agent.name, await idps.mint(WORKLOADS.reporting));
    const [rows] = await client.query("SELECT id, label FROM items");
    expect(rows).toEqual([{ id: 1, label: "one" }]);
    await client.end();
    const session = await until(() =>
      harness.prisma.gatewaySession.findFirst({ where: { agentId: agent.id, endedAt: { not: null } } }),
    );
    expect(session).toMatchObject({ isTls: true, agentGroups: ["analysts"] });
  });

  it("[MySQL] refuses a foreign, mis-addressed or tampered token in the same words, and opens no session", async () => {
    const reporting = await idps.addAgent(harness, WORKLOADS.reporting);
    const elsewhere = await idps.addAgent(harness, WORKLOADS.elsewhere);
    const good = await idps.mint(WORKLOADS.reporting);
    const since = new Date();
    const cases: [string, string, string, RegExp][] = [
      ["unknown issuer", reporting.name, await idps.mintFromStranger(), /no key of the issuer matches/],
      ["wrong audience", elsewhere.name, await idps.mint(WORKLOADS.elsewhere), /claim aud: /],
      ["wrong signature", reporting.name, tamperedToken(good), /signature does not verify/],
    ];
    for (const [what, agentName, token] of cases) {
      const error = await mysqlConnect(agentName, token).catch((failure: Error) => failure);
      expect(error, what).toMatchObject({ errno: 1045 });
      expect((error as Error).message, what).toBe(
        `Access denied for agent "${agentName}": ${WORKLOAD_TOKEN_NOT_ACCEPTED}`,
      );
    }
    expect(await sessionsOf(reporting.id)).toBe(0);
    expect(await sessionsOf(elsewhere.id)).toBe(0);
    // Each refusal is written for admins with what the client was not told.
    const written = await refusalsSince(harness.prisma, since, cases.length);
    cases.forEach(([what, agentName, , reason], index) => {
      expect(written[index], what).toMatchObject({ path: "mysql", claimedAgent: agentName });
      expect(written[index]?.refusal, what).toMatch(reason);
    });
  });
});

describe("when a workload token expires on the SQL listeners", () => {
  it("[MySQL, Postgres] ends the sessions open on it, and a new login with it is refused", async () => {
    const agent = await idps.addAgent(harness, WORKLOADS.brief);
    const token = await idps.mint(WORKLOADS.brief);
    const maria = await mysqlConnect(agent.name, token);
    const mariaEnded = new Promise<Error>((resolve) => maria.on("error", resolve));
    const postgres = new pg.Client({
      host: "127.0.0.1",
      port: harness.port,
      database: harness.connectionName,
      user: agent.name,
      password: token,
      ssl: { ca: ca(), servername: "localhost" },
    });
    await postgres.connect();
    const postgresEnded = new Promise<Error>((resolve) => postgres.on("error", resolve));
    expect((await maria.query("SELECT id FROM items"))[0]).toEqual([{ id: 1 }]);
    expect((await postgres.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);

    await until(() => Date.now() > expiryOf(token), { what: "the token's expiry", timeoutMs: 30_000 });
    expect((await postgresEnded).message).toMatch(/workload token this session signed in with expired/);
    expect((await mariaEnded).message).toMatch(/workload token this session signed in with expired/);
    const again = await mysqlConnect(agent.name, token).catch((failure: Error) => failure);
    expect(again).toMatchObject({ errno: 1045 });
    // The client hears only "access denied"; the operator's log says why.
    expect(harness.logs).toContainEqual(
      expect.stringContaining(`[mysql] agent "${agent.name}": workload token refused: token expired`),
    );
  });
});
