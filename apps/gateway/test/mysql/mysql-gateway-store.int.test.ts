import { readFileSync } from "node:fs";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import type { RecordingEvent } from "@sluice/recording/events";
import { verifyChain } from "@sluice/recording/hash-chain";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";

/**
 * The MySQL listener as `sluice start` composes it: agents, connections and policies from the
 * store, MYSQL connections only, the same CA as the Postgres listener.
 */
let harness: Harness;
let stage: MariaStage;

beforeAll(async () => {
  stage = await createMariaStage(
    "store",
    (database) => `
      CREATE TABLE ${database}.items (id INT PRIMARY KEY, label VARCHAR(50));
      INSERT INTO ${database}.items VALUES (1, 'one');
    `,
  );
  harness = await startHarness({ mysqlPort: 0 });
  await stage.addConnection(harness);
});
afterAll(async () => {
  await harness?.stop();
  await stage?.drop();
});

const connect = (connection: string) =>
  mysql.createConnection({
    host: "127.0.0.1",
    port: harness.gateway.mysqlPort as number,
    user: harness.agent.name,
    password: harness.token,
    database: connection,
    ssl: { ca: readFileSync(harness.caFile as string, "utf8") },
  });

describe("the MySQL listener composed with the store", () => {
  it("serves a MYSQL connection with the agent's own token and the store's policy", async () => {
    const agent = await connect("maria");
    const [rows] = await agent.query("SELECT id, label FROM items");
    expect(rows).toEqual([{ id: 1, label: "one" }]);
    // The built-in defaults apply as on the Postgres path.
    await expect(agent.query("SELECT LOAD_FILE('/etc/passwd')")).rejects.toThrow(/reads a file/);
    await agent.end();
  });

  it("never lets a MySQL client reach a Postgres connection", async () => {
    await expect(connect(harness.connectionName)).rejects.toThrow(/may not use connection/);
  });

  it("records the session: audit row, statements, verdicts, in the same player format", async () => {
    const agent = await connect("maria");
    await agent.query("SELECT id, label FROM items");
    await expect(agent.query("SELECT LOAD_FILE('/etc/secret\\'s')")).rejects.toThrow(/reads a file/);
    await agent.end();
    const session = await until(async () => {
      const found = await harness.prisma.gatewaySession.findFirst({
        where: { agent: { name: harness.agent.name }, connection: { name: "maria" }, endedAt: { not: null } },
        orderBy: { startedAt: "desc" },
      });
      return found && found.recordingChunks !== null ? found : null;
    });
    expect(session).toMatchObject({ statementCount: 2, deniedCount: 1, isTls: true });
    const chunks = await harness.prisma.recordingChunk.findMany({
      where: { sessionId: session.id },
      orderBy: { seq: "asc" },
    });
    expect(
      verifyChain(chunks, { key: deriveKey(harness.secretKey, RECORDING_CHAIN_PURPOSE) }).isVerified,
    ).toBe(true);
    const events: RecordingEvent[] = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
    const statements = events.flatMap((event) => (event.type === "statement" ? [event.sql] : []));
    // A refused statement's literal is redacted as MariaDB bounds it (a backslash-escaped quote).
    expect(statements).toEqual(["SELECT id, label FROM items", "SELECT LOAD_FILE('[REDACTED]')"]);
    expect(events.filter((event) => event.type === "verdict").map((event) => event.kind)).toEqual([
      "allow",
      "deny",
    ]);
    const denial = await harness.prisma.auditEvent.findFirst({
      where: { sessionId: session.id, action: "statement.denied" },
    });
    expect(JSON.stringify(denial?.metadata)).not.toMatch(/secret/);
  });

  it("ends a live session within the revocation poll when its connection is disabled", async () => {
    const agent = await connect("maria");
    const ended = new Promise<{ errno?: number; message: string }>((resolve) => agent.on("error", resolve));
    await agent.query("SELECT 1");
    const connection = await harness.prisma.connection.findUniqueOrThrow({ where: { name: "maria" } });
    await harness.prisma.connection.update({ where: { id: connection.id }, data: { isDisabled: true } });
    try {
      const error = await ended;
      expect(error.message).toMatch(/connection was disabled or removed/);
      await expect(agent.query("SELECT 1")).rejects.toThrow();
    } finally {
      await harness.prisma.connection.update({ where: { id: connection.id }, data: { isDisabled: false } });
      agent.destroy();
    }
  });

  it("counts failed logins in the same budget as the Postgres listener", async () => {
    const { agent, token } = await harness.addAgent(`guessed_${stage.database}`, ["analysts"]);
    const login = (password: string) =>
      mysql.createConnection({
        host: "127.0.0.1",
        port: harness.gateway.mysqlPort as number,
        user: agent.name,
        password,
        database: "maria",
        ssl: { ca: readFileSync(harness.caFile as string, "utf8") },
      });
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await expect(login(`${token}x`)).rejects.toThrow(/unknown agent or wrong token/);
    }
    // The right token now waits too: the budget is the address's with this agent.
    await expect(login(token)).rejects.toThrow(/too many failed authentication attempts/);
    // And the Postgres listener shares it.
    const pgClient = new pg.Client({ connectionString: harness.urlFor(agent.name, token) });
    await expect(pgClient.connect()).rejects.toThrow(/too many failed authentication attempts/);
  });
});
