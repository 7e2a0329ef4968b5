import { readFileSync } from "node:fs";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import type { RecordingEvent } from "@sluice/recording/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";
import { MySqlRawClient, type RawPacket } from "../support/mysql-raw-client";

/**
 * COM_STMT_SEND_LONG_DATA: a parameter's value sent in pieces before COM_STMT_EXECUTE, with no
 * answer of its own. Sluice forwards it for statements it judged, records it as a parameter, and
 * never lets it reach a statement it did not prepare. A raw client drives it; the server, reached
 * directly, is the oracle.
 */
let harness: Harness;
let stage: MariaStage;
/** MariaDB's statement id meaning "the statement prepared last" (used by its bulk and pipelined executes). */
const LAST_STATEMENT_ID = 0xffff_ffff;

beforeAll(async () => {
  stage = await createMariaStage(
    "longdata",
    (database) => `
      CREATE TABLE ${database}.people (id INT PRIMARY KEY, name VARCHAR(50), ssn VARCHAR(20));
      INSERT INTO ${database}.people VALUES (1, 'Ada', '111-11-1111');
      CREATE TABLE ${database}.notes (id INT PRIMARY KEY, body TEXT);
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

const viaSluice = () =>
  MySqlRawClient.connect({
    host: "127.0.0.1",
    port: harness.gateway.mysqlPort as number,
    user: harness.agent.name,
    password: harness.token,
    database: "maria",
    tlsCa: readFileSync(harness.caFile as string, "utf8"),
    isDeprecateEof: true,
  });
const direct = () =>
  MySqlRawClient.connect({
    host: stage.admin.config.host as string,
    port: stage.admin.config.port as number,
    user: stage.user,
    password: stage.password,
    database: stage.database,
    isDeprecateEof: true,
  });

const hex = (packets: RawPacket[]) =>
  packets.map((packet) => `${packet.sequenceId}:${packet.payload.toString("hex")}`);

/** The one string value of a one-column binary row (0x00, a one-byte null bitmap, then the value). */
function onlyValue(packets: RawPacket[]): string {
  const row = packets.find((packet) => packet.payload[0] === 0x00 && packets.indexOf(packet) > 0);
  if (!row) throw new Error(`no row in ${hex(packets).join(" ")}`);
  const length = row.payload[2] as number;
  return row.payload.subarray(3, 3 + length).toString("utf8");
}

async function recordingOfLatestSession(): Promise<RecordingEvent[]> {
  const session = await harness.prisma.gatewaySession.findFirstOrThrow({
    where: { connection: { name: "maria" } },
    orderBy: { startedAt: "desc" },
  });
  return until(
    async () => {
      const chunks = await harness.prisma.recordingChunk.findMany({
        where: { sessionId: session.id },
        orderBy: { seq: "asc" },
      });
      const events = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
      return events.at(-1)?.type === "end" ? events : null;
    },
    { what: "the session's recording", timeoutMs: 15_000, intervalMs: 50 },
  );
}

describe("COM_STMT_SEND_LONG_DATA through Sluice", () => {
  it("forwards the pieces, the execution answers as the server's does, and the recording keeps them", async () => {
    const answers: string[][] = [];
    for (const connect of [viaSluice, direct]) {
      const client = await connect();
      const { statementId } = await client.prepare("SELECT CONCAT(?, '!') AS v");
      client.sendLongData(statementId, 0, Buffer.from("hello "));
      client.sendLongData(statementId, 0, Buffer.from("world"));
      // Long data has no answer: the next packet read is the execution's (any other would fail below).
      const executed = await client.execute(statementId, [undefined]);
      expect(onlyValue(executed)).toBe("hello world!");
      answers.push(hex(executed));
      const { statementId: insert } = await client.prepare("INSERT INTO notes VALUES (?, ?)");
      client.sendLongData(insert, 1, Buffer.from("a long body"));
      await client.execute(insert, [connect === viaSluice ? 1 : 2, undefined]);
      client.end();
    }
    expect(answers[0]).toEqual(answers[1]);
    const [stored] = (await stage.admin.query(
      `SELECT id, body FROM ${stage.database}.notes ORDER BY id`,
    )) as unknown as [Array<{ id: number; body: string }>];
    expect(stored).toEqual([
      { id: 1, body: "a long body" },
      { id: 2, body: "a long body" },
    ]);
    await stage.admin.query(`DELETE FROM ${stage.database}.notes`);

    // The session through Sluice was the first of the two; its recording is the newest of "maria".
    const parameters = (await recordingOfLatestSession()).filter((event) => event.type === "parameter");
    expect(parameters.map(({ index, bytes, value }) => ({ index, bytes, value }))).toEqual([
      { index: 0, bytes: 6, value: "hello " },
      { index: 0, bytes: 5, value: "world" },
      { index: 1, bytes: 11, value: "a long body" },
    ]);
  }, 60_000);

  it("records a piece for a statement that reads masked tables by its length only", async () => {
    const client = await viaSluice();
    const { statementId } = await client.prepare("SELECT ssn FROM people WHERE name = ?");
    client.sendLongData(statementId, 0, Buffer.from("Ada"));
    const executed = await client.execute(statementId, [undefined]);
    expect(onlyValue(executed)).toBe("[REDACTED]");
    client.end();
    const parameters = (await recordingOfLatestSession()).filter((event) => event.type === "parameter");
    expect(parameters.map(({ bytes, value }) => ({ bytes, value }))).toEqual([{ bytes: 3, value: null }]);
  }, 60_000);

  it("never lets long data reach a statement Sluice did not prepare (MariaDB's 'last statement' id)", async () => {
    const outcomes: string[] = [];
    for (const connect of [direct, viaSluice]) {
      const client = await connect();
      const { statementId } = await client.prepare("SELECT CONCAT(?, '') AS v");
      // Aimed at no statement the gateway knows; the server would give it to the last prepared one.
      client.sendLongData(LAST_STATEMENT_ID, 0, Buffer.from("smuggled"));
      outcomes.push(onlyValue(await client.execute(statementId, ["as bound"])));
      // The session goes on: the statement answers again with what is bound.
      expect(onlyValue(await client.execute(statementId, ["again"]))).toBe("again");
      client.end();
    }
    // Directly the server took the piece as the parameter's value; through Sluice it never arrived.
    expect(outcomes).toEqual(["smuggled", "as bound"]);
  }, 60_000);
});
