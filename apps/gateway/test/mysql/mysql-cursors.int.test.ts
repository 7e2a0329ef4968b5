import { readFileSync } from "node:fs";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import type { RecordingEvent } from "@sluice/recording/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";
import { CURSOR_TYPE_READ_ONLY, MySqlRawClient, type RawPacket } from "../support/mysql-raw-client";

/**
 * Cursors (COM_STMT_EXECUTE with CURSOR_TYPE_READ_ONLY, then COM_STMT_FETCH): no common client
 * uses them, so a raw client speaks the protocol through Sluice and directly to the same MariaDB,
 * and the server's own bytes are the oracle. Two statements' cursors interleave: each fetch is
 * masked by its own statement's plan, and where nothing is masked the bytes are the server's.
 */
let harness: Harness;
let stage: MariaStage;
let mariaId: string;
const SSNS = ["111-11-1111", "222-22-2222", "333-33-3333", "444-44-4444", "555-55-5555"];
/** Free text no column rule covers: only the content detectors can find the SSNs in it. */
const TICKETS: Array<[number, string]> = [
  [1, "call 123-45-6789 now"],
  [2, "nothing here"],
  [3, "ssn 234-56-7890"],
];

beforeAll(async () => {
  stage = await createMariaStage(
    "cursors",
    (database) => `
      CREATE TABLE ${database}.people (id INT PRIMARY KEY, name VARCHAR(50), ssn VARCHAR(20));
      INSERT INTO ${database}.people VALUES ${SSNS.map((ssn, index) => `(${index + 1}, 'p${index + 1}', '${ssn}')`).join(", ")};
      CREATE TABLE ${database}.items (id INT PRIMARY KEY, label VARCHAR(20));
      INSERT INTO ${database}.items VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four'), (5, 'five');
      CREATE TABLE ${database}.tickets (id INT PRIMARY KEY, body VARCHAR(60));
      INSERT INTO ${database}.tickets VALUES ${TICKETS.map(([id, body]) => `(${id}, '${body}')`).join(", ")};
    `,
  );
  harness = await startHarness({ mysqlPort: 0 });
  mariaId = await stage.addConnection(harness);
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

const server = () => ({ host: stage.admin.config.host as string, port: stage.admin.config.port as number });

/** The same exchange through Sluice and directly, with the same capabilities. */
async function bothWays(isDeprecateEof: boolean) {
  const viaSluice = await MySqlRawClient.connect({
    host: "127.0.0.1",
    port: harness.gateway.mysqlPort as number,
    user: harness.agent.name,
    password: harness.token,
    database: "maria",
    tlsCa: readFileSync(harness.caFile as string, "utf8"),
    isDeprecateEof,
  });
  const direct = await MySqlRawClient.connect({
    ...server(),
    user: stage.user,
    password: stage.password,
    database: stage.database,
    isDeprecateEof,
  });
  return { viaSluice, direct };
}

/** A binary row of an INT column then string columns (no NULLs), read by hand. */
function decodeRow(payload: Buffer, stringColumns: number): Array<number | string> {
  let offset = 2; // the 0x00 header and a one-byte null bitmap (at most six columns)
  const values: Array<number | string> = [payload.readInt32LE(offset)];
  offset += 4;
  for (let index = 0; index < stringColumns; index++) {
    const length = payload[offset] as number;
    values.push(payload.subarray(offset + 1, offset + 1 + length).toString("utf8"));
    offset += 1 + length;
  }
  return values;
}

const rowsOf = (packets: RawPacket[], stringColumns: number) =>
  packets
    .filter((packet) => packet.payload[0] === 0x00)
    .map((packet) => decodeRow(packet.payload, stringColumns));
/**
 * Packets as comparable text: bytes in hex, but an error's statement id as "(id)": the server numbers
 * statements per connection thread and reuses threads, so the two connections' ids may differ.
 */
const hex = (packets: RawPacket[]) =>
  packets.map((packet) =>
    packet.payload[0] === 0xff
      ? `${packet.sequenceId}:ERR ${packet.payload.readUInt16LE(1)} ${packet.payload
          .subarray(3)
          .toString("utf8")
          .replace(/\(\d+\)/, "(id)")}`
      : `${packet.sequenceId}:${packet.payload.toString("hex")}`,
  );
const errorCode = (packet: RawPacket | undefined) =>
  packet?.payload[0] === 0xff ? packet.payload.readUInt16LE(1) : null;

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

describe.each([
  ["with EOF packets", false],
  ["with CLIENT_DEPRECATE_EOF", true],
])("cursors through Sluice (%s)", (_mode, isDeprecateEof) => {
  it("interleaves two statements' fetches, each masked by its own plan, clear ones byte-equal to the server's", async () => {
    const { viaSluice, direct } = await bothWays(isDeprecateEof);
    const exchanges: Array<{ label: string; sluice: RawPacket[]; direct: RawPacket[] }> = [];
    const both = async (label: string, run: (client: MySqlRawClient) => Promise<RawPacket[]>) => {
      exchanges.push({ label, sluice: await run(viaSluice), direct: await run(direct) });
      return exchanges.at(-1) as (typeof exchanges)[number];
    };
    const items = await viaSluice.prepare("SELECT id, label FROM items ORDER BY id");
    const people = await viaSluice.prepare("SELECT id, name, ssn FROM people WHERE id > ? ORDER BY id");
    const itemsDirect = await direct.prepare("SELECT id, label FROM items ORDER BY id");
    const peopleDirect = await direct.prepare("SELECT id, name, ssn FROM people WHERE id > ? ORDER BY id");
    const id = (client: MySqlRawClient, sluiceId: number, directId: number) =>
      client === viaSluice ? sluiceId : directId;
    const onItems = (client: MySqlRawClient) => id(client, items.statementId, itemsDirect.statementId);
    const onPeople = (client: MySqlRawClient) => id(client, people.statementId, peopleDirect.statementId);

    const openItems = await both("execute items", (c) => c.execute(onItems(c), [], CURSOR_TYPE_READ_ONLY));
    const openPeople = await both("execute people", (c) =>
      c.execute(onPeople(c), [0], CURSOR_TYPE_READ_ONLY),
    );
    // An opened cursor sends column definitions and no rows.
    expect(rowsOf(openItems.sluice, 1)).toEqual([]);
    const fetched = {
      items: [] as Array<{ sluice: RawPacket[]; direct: RawPacket[] }>,
      people: [] as Array<{ sluice: RawPacket[]; direct: RawPacket[] }>,
    };
    for (const [which, rows] of [
      ["items", 2],
      ["people", 2],
      ["items", 2],
      ["people", 10],
      ["items", 10],
      ["items", 1],
    ] as const) {
      const statement = which === "items" ? onItems : onPeople;
      fetched[which].push(await both(`fetch ${which} ${rows}`, (c) => c.fetch(statement(c), rows)));
    }

    // Nothing of items is masked: every packet of its cursor is the server's, byte for byte.
    for (const exchange of [openItems, ...fetched.items])
      expect(hex(exchange.sluice)).toEqual(hex(exchange.direct));
    expect(fetched.items.flatMap((exchange) => rowsOf(exchange.sluice, 1))).toEqual([
      [1, "one"],
      [2, "two"],
      [3, "three"],
      [4, "four"],
      [5, "five"],
    ]);
    // The last fetch found the cursor closed (its last row sent): the server's own error, 1421.
    expect(errorCode(fetched.items.at(-1)?.sluice.at(-1))).toBe(1421);

    // people's ssn is masked in every fetch, though items' fetches came in between; the rest is the server's.
    expect(hex(openPeople.sluice)).toEqual(hex(openPeople.direct));
    const peopleRows = fetched.people.flatMap((exchange) => rowsOf(exchange.sluice, 2));
    const peopleDirectRows = fetched.people.flatMap((exchange) => rowsOf(exchange.direct, 2));
    expect(peopleDirectRows.map((row) => row[2])).toEqual(SSNS);
    expect(peopleRows).toEqual(peopleDirectRows.map(([rowId, name]) => [rowId, name, "[REDACTED]"]));
    for (const exchange of fetched.people) {
      expect(exchange.sluice.length).toBe(exchange.direct.length);
      expect(hex(exchange.sluice.slice(-1))).toEqual(hex(exchange.direct.slice(-1)));
    }

    viaSluice.end();
    direct.end();
    const recording = await recordingOfLatestSession();
    const recordedRows = recording.filter((event) => event.type === "row").map((event) => event.values);
    expect(recordedRows).toContainEqual(["4", "p4", "[REDACTED]"]);
    expect(recordedRows).toContainEqual(["5", "five"]);
    expect(JSON.stringify(recording)).not.toMatch(/\d{3}-\d{2}-\d{4}/);
    expect(recording.filter((event) => event.type === "complete").map((event) => event.tag)).toContain(
      "FETCH 2",
    );
  }, 60_000);

  it("drops a statement's cursor when it is reset or closed, as the server does", async () => {
    const { viaSluice, direct } = await bothWays(isDeprecateEof);
    try {
      for (const client of [viaSluice, direct]) {
        const { statementId } = await client.prepare("SELECT id, ssn FROM people ORDER BY id");
        await client.execute(statementId, [], CURSOR_TYPE_READ_ONLY);
        expect(rowsOf(await client.fetch(statementId, 1), 1)).toHaveLength(1);
        expect((await client.resetStatement(statementId)).payload[0]).toBe(0x00);
        expect(errorCode((await client.fetch(statementId, 1))[0])).toBe(1421);
        await client.execute(statementId, [], CURSOR_TYPE_READ_ONLY);
        client.closeStatement(statementId);
        expect(errorCode((await client.fetch(statementId, 1))[0])).toBe(1243);
        // Executed without a cursor, the rows come at once and no cursor is left to fetch from.
        const { statementId: again } = await client.prepare("SELECT id, ssn FROM people ORDER BY id");
        await client.execute(again, [], CURSOR_TYPE_READ_ONLY);
        expect(rowsOf(await client.execute(again, []), 1)).toHaveLength(5);
        expect(errorCode((await client.fetch(again, 1))[0])).toBe(1421);
      }
    } finally {
      viaSluice.end();
      direct.end();
    }
  }, 60_000);
});

describe("a cursor under changed masking rules", () => {
  it("refuses the fetch rather than mask it by the plan of the rules it was opened under", async () => {
    const { viaSluice, direct } = await bothWays(true);
    direct.end();
    const { statementId } = await viaSluice.prepare("SELECT id, label FROM items ORDER BY id");
    await viaSluice.execute(statementId, [], CURSOR_TYPE_READ_ONLY);
    expect(rowsOf(await viaSluice.fetch(statementId, 1), 1)).toEqual([[1, "one"]]);
    const rule = await harness.prisma.maskingRule.create({
      data: { connectionId: mariaId, name: "label", columnSelector: "*.items.label", strategy: "REDACT" },
    });
    try {
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
      expect(errorCode((await viaSluice.fetch(statementId, 1))[0])).toBe(1227);
      // Executed again, its rows follow the rules as they are now.
      await viaSluice.execute(statementId, [], CURSOR_TYPE_READ_ONLY);
      expect(rowsOf(await viaSluice.fetch(statementId, 1), 1)).toEqual([[1, "[REDACTED]"]]);
    } finally {
      viaSluice.end();
      await harness.prisma.maskingRule.delete({ where: { id: rule.id } });
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
    }
  }, 60_000);
});

describe("a cursor's rows and the content detectors", () => {
  it("masks every fetch with the detectors its execution had, and refuses one after they changed", async () => {
    const { viaSluice, direct } = await bothWays(true);
    const sql = "SELECT id, body FROM tickets ORDER BY id";
    const { statementId: directId } = await direct.prepare(sql);
    await direct.execute(directId, [], CURSOR_TYPE_READ_ONLY);
    expect(rowsOf(await direct.fetch(directId, 10), 1)).toEqual(TICKETS);
    direct.end();
    const ssns = await harness.prisma.maskingRule.create({
      data: { connectionId: mariaId, name: "ssns", detector: "us_ssn", strategy: "REDACT" },
    });
    const ruleIds = [ssns.id];
    try {
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
      const { statementId } = await viaSluice.prepare(sql);
      await viaSluice.execute(statementId, [], CURSOR_TYPE_READ_ONLY);
      const fetched = [
        ...rowsOf(await viaSluice.fetch(statementId, 1), 1),
        ...rowsOf(await viaSluice.fetch(statementId, 10), 1),
      ];
      expect(fetched).toEqual([
        [1, "call [REDACTED] now"],
        [2, "nothing here"],
        [3, "ssn [REDACTED]"],
      ]);

      // A detector added after the execution: the cursor's plan no longer is the rules' plan.
      await viaSluice.execute(statementId, [], CURSOR_TYPE_READ_ONLY);
      const emails = await harness.prisma.maskingRule.create({
        data: { connectionId: mariaId, name: "emails", detector: "email", strategy: "HASH" },
      });
      ruleIds.push(emails.id);
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
      expect(errorCode((await viaSluice.fetch(statementId, 1))[0])).toBe(1227);
    } finally {
      viaSluice.end();
      await harness.prisma.maskingRule.deleteMany({ where: { id: { in: ruleIds } } });
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
    }
  }, 60_000);
});
