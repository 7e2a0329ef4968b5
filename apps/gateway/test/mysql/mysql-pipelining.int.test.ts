import { readFileSync } from "node:fs";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";
import { MySqlRawClient, type RawPacket } from "../support/mysql-raw-client";

/**
 * A client that sends its next command before the answer to the last one is complete (found
 * while adding cursors): the second command must not take over the reading of the first answer,
 * or the rest of that answer is masked by the second's plan — here, a computed column of masked
 * values came back in clear.
 */
let harness: Harness;
let stage: MariaStage;

beforeAll(async () => {
  stage = await createMariaStage(
    "pipeline",
    (database) => `
      CREATE TABLE ${database}.people (id INT PRIMARY KEY, ssn VARCHAR(20));
      INSERT INTO ${database}.people VALUES (1, '111-11-1111'), (2, '222-22-2222');
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

const text = (packets: RawPacket[]) => packets.map((packet) => packet.payload.toString("latin1")).join("|");

describe("pipelined commands through Sluice", () => {
  it("masks the first answer by its own plan though the next command was already sent", async () => {
    const client = await MySqlRawClient.connect({
      host: "127.0.0.1",
      port: harness.gateway.mysqlPort as number,
      user: harness.agent.name,
      password: harness.token,
      database: "maria",
      tlsCa: readFileSync(harness.caFile as string, "utf8"),
      isDeprecateEof: true,
    });
    try {
      for (const sql of ["SELECT CONCAT(ssn, '') AS c FROM people ORDER BY id", "SELECT 1 AS one"])
        client.send(Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]));
      // Each answer as the client reads it: column count, definition, rows, terminator.
      const first = [await client.read(), await client.read(), await client.read(), await client.read()];
      const terminator = await client.read();
      const second = [await client.read(), await client.read(), await client.read(), await client.read()];
      expect(text([...first, terminator])).not.toMatch(/\d{3}-\d{2}-\d{4}/);
      expect(text(first.slice(2))).toBe("\u000a[REDACTED]|\u000a[REDACTED]");
      expect(terminator.payload[0]).toBe(0xfe);
      expect(second[2]?.payload.toString("latin1")).toBe("\u00011");
      expect(second[3]?.payload[0]).toBe(0xfe);
    } finally {
      client.end();
    }
  }, 60_000);
});
