import { readFileSync } from "node:fs";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";
import { MySqlRawClient, type RawPacket } from "../support/mysql-raw-client";

/**
 * COM_FIELD_LIST, which the interactive `mariadb` CLI sends for every table to complete names: it
 * is judged as a read of the table that returns no row, and the server's column definitions come
 * back as the server sent them. A table the policy refuses is refused the same way here, and the
 * session goes on.
 */
let harness: Harness;
let stage: MariaStage;

beforeAll(async () => {
  stage = await createMariaStage(
    "fields",
    (database) => `
      CREATE TABLE ${database}.people (id INT PRIMARY KEY, name VARCHAR(50) DEFAULT 'anon', ssn VARCHAR(20));
      INSERT INTO ${database}.people VALUES (1, 'Ada', '111-11-1111');
      CREATE TABLE ${database}.secret (id INT PRIMARY KEY, code VARCHAR(20));
    `,
  );
  harness = await startHarness({ mysqlPort: 0 });
  const mariaId = await stage.addConnection(harness);
  await harness.prisma.maskingRule.create({
    data: { connectionId: mariaId, name: "ssn", columnSelector: "*.people.ssn", strategy: "REDACT" },
  });
  await harness.prisma.guardrailRule.create({
    data: {
      connectionId: mariaId,
      name: "no-secret-reads",
      kind: "TABLE",
      match: { tables: [`${stage.database}.secret`], access: "read" },
    },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(async () => {
  await harness?.stop();
  await stage?.drop();
});

const connect = (via: "sluice" | "direct", isDeprecateEof: boolean) =>
  via === "sluice"
    ? MySqlRawClient.connect({
        host: "127.0.0.1",
        port: harness.gateway.mysqlPort as number,
        user: harness.agent.name,
        password: harness.token,
        database: "maria",
        tlsCa: readFileSync(harness.caFile as string, "utf8"),
        isDeprecateEof,
      })
    : MySqlRawClient.connect({
        host: stage.admin.config.host as string,
        port: stage.admin.config.port as number,
        user: stage.user,
        password: stage.password,
        database: stage.database,
        isDeprecateEof,
      });

const hex = (packets: RawPacket[]) =>
  packets.map((packet) => `${packet.sequenceId}:${packet.payload.toString("hex")}`);
const errorOf = (packet: RawPacket | undefined) =>
  packet?.payload[0] === 0xff
    ? { code: packet.payload.readUInt16LE(1), message: packet.payload.subarray(9).toString("utf8") }
    : null;

describe.each([false, true])("COM_FIELD_LIST through Sluice (DEPRECATE_EOF %s)", (isDeprecateEof) => {
  it("answers with the server's column definitions, byte for byte, and the session goes on", async () => {
    const sluice = await connect("sluice", isDeprecateEof);
    const direct = await connect("direct", isDeprecateEof);
    try {
      const through = await sluice.fieldList("people");
      expect(hex(through)).toEqual(hex(await direct.fieldList("people")));
      // Three column definitions (the default value included) and the terminator.
      expect(through).toHaveLength(4);
      expect(hex(await sluice.fieldList("people", "na%"))).toEqual(
        hex(await direct.fieldList("people", "na%")),
      );
      // A masked table's rows stay masked on the same connection afterwards.
      const rows = await sluice.query("SELECT ssn FROM people");
      expect(Buffer.concat(rows.map((packet) => packet.payload)).toString("latin1")).toContain("[REDACTED]");
    } finally {
      sluice.end();
      direct.end();
    }
  }, 60_000);

  it("refuses a table the policy refuses, and the session goes on", async () => {
    const sluice = await connect("sluice", isDeprecateEof);
    try {
      const [refused] = await sluice.fieldList("secret");
      expect(errorOf(refused)).toMatchObject({
        code: 1227,
        message: expect.stringMatching(/no-secret-reads/),
      });
      expect(hex(await sluice.query("SELECT 1 AS one")).length).toBeGreaterThan(0);
    } finally {
      sluice.end();
    }
  }, 60_000);
});
