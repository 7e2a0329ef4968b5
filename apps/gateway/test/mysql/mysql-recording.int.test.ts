import { readFileSync } from "node:fs";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import type { RecordingEvent } from "@sluice/recording/events";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";

/**
 * A MySQL session's recording holds what the agent got back, as the Postgres path's does: column
 * names, rows (masked exactly as sent), completions and errors. A masked value never reaches it in
 * clear, by the text protocol or the binary one (prepared statements).
 */
let harness: Harness;
let stage: MariaStage;
const CLEAR_SSNS = /123-45-6789|987-65-4321/;

beforeAll(async () => {
  stage = await createMariaStage(
    "recorded",
    (database) => `
      CREATE TABLE ${database}.people (id INT PRIMARY KEY, name VARCHAR(50), ssn VARCHAR(20) UNIQUE);
      INSERT INTO ${database}.people VALUES (1, 'Ada', '123-45-6789'), (2, 'Grace', '987-65-4321');
      CREATE TABLE ${database}.typed (t TINYINT, u BIGINT UNSIGNED, s SMALLINT, m MEDIUMINT, y YEAR,
        f FLOAT, d DOUBLE, n DECIMAL(8,3), dt DATE, ts DATETIME(3), tm TIME, z DATETIME);
      INSERT INTO ${database}.typed VALUES (-5, 18446744073709551615, -300, 70000, 2024, 1.1, -0.125,
        12.5, '2024-02-29', '2024-12-31 23:59:58.123', '-51:04:05', NULL);
    `,
  );
  harness = await startHarness({ mysqlPort: 0 });
  const mariaId = await stage.addConnection(harness);
  await harness.prisma.maskingRule.create({
    data: { connectionId: mariaId, name: "ssn", columnSelector: "*.people.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(async () => {
  await harness?.stop();
  await stage?.drop();
});

function agentConnection() {
  return mysql.createConnection({
    host: "127.0.0.1",
    port: harness.gateway.mysqlPort as number,
    user: harness.agent.name,
    password: harness.token,
    database: "maria",
    ssl: { ca: readFileSync(harness.caFile as string, "utf8") },
  });
}

async function latestRecording(): Promise<RecordingEvent[]> {
  const session = await harness.prisma.gatewaySession.findFirstOrThrow({
    where: { connection: { name: "maria" } },
    orderBy: { startedAt: "desc" },
  });
  return recordingOf(session.id);
}

async function recordingOf(sessionId: string): Promise<RecordingEvent[]> {
  return until(
    async () => {
      const chunks = await harness.prisma.recordingChunk.findMany({
        where: { sessionId },
        orderBy: { seq: "asc" },
      });
      const events = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
      return events.at(-1)?.type === "end" ? events : null;
    },
    { what: "the session's recording", timeoutMs: 15_000, intervalMs: 50 },
  );
}

describe("a MySQL session's recording", () => {
  it("holds the rows the agent got, masked, and never a clear masked value", async () => {
    const agent = await agentConnection();
    const [text] = await agent.query("SELECT id, name, ssn FROM people ORDER BY id");
    const [binary] = await agent.execute("SELECT name, ssn FROM people WHERE id = ?", [2]);
    await agent.query("UPDATE people SET name = 'Ada L.' WHERE id = 1");
    const duplicate = await agent
      .query("INSERT INTO people VALUES (3, 'Lin', '123-45-6789')")
      .catch((error: { errno?: number; message: string }) => error);
    await agent.end();
    // What the agent saw: masked, and the duplicate key's text (which quotes the value) withheld.
    expect(text).toEqual([
      { id: 1, name: "Ada", ssn: "[REDACTED]" },
      { id: 2, name: "Grace", ssn: "[REDACTED]" },
    ]);
    expect(binary).toEqual([{ name: "Grace", ssn: "[REDACTED]" }]);
    expect(duplicate).toMatchObject({ errno: 1062 });
    expect((duplicate as Error).message).not.toMatch(CLEAR_SSNS);

    const events = await latestRecording();
    expect(JSON.stringify(events)).not.toMatch(CLEAR_SSNS);
    const results = events.flatMap((event) =>
      event.type === "columns"
        ? [["columns", event.n, event.names]]
        : event.type === "row"
          ? [["row", event.n, event.values]]
          : event.type === "complete"
            ? [["complete", event.n, event.tag, event.rows]]
            : event.type === "error"
              ? [["error", event.n, event.code]]
              : [],
    );
    expect(results).toEqual([
      ["columns", 1, ["id", "name", "ssn"]],
      ["row", 1, ["1", "Ada", "[REDACTED]"]],
      ["row", 1, ["2", "Grace", "[REDACTED]"]],
      ["complete", 1, "SELECT", 2],
      // The prepared statement: its PREPARE (2), then its execution (3), judged again per run under
      // a masking rule (the catalog may have changed what it reads), with its binary row as text.
      ["columns", 3, ["name", "ssn"]],
      ["row", 3, ["Grace", "[REDACTED]"]],
      ["complete", 3, "SELECT", 1],
      ["complete", 4, "OK 1", 0],
      ["error", 5, "23000"],
    ]);
  });

  it("shows a prepared statement's numbers and dates as the text protocol does, not as hex", async () => {
    const agent = await agentConnection();
    const select = "SELECT t, u, s, m, y, f, d, n, dt, ts, tm, z FROM typed";
    await agent.query(select);
    await agent.execute(select);
    await agent.end();
    const rows = (await latestRecording()).flatMap((event) => (event.type === "row" ? [event.values] : []));
    const asText = [
      "-5",
      "18446744073709551615",
      "-300",
      "70000",
      "2024",
      "1.1",
      "-0.125",
      "12.500",
      "2024-02-29",
      "2024-12-31 23:59:58.123",
      "-51:04:05",
      null,
    ];
    // The first row came by the text protocol (the server's own text), the second by the binary one.
    expect(rows).toEqual([asText, asText]);
  });
});
