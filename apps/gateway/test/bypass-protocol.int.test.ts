import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_ONLY_CONNECTION as READ_ONLY, seedDemoShapedShop } from "./support/demo-shaped-shop";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, errorFields, int32, RawClient } from "./support/raw-client";
import { rawLogin } from "./support/raw-login";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await seedDemoShapedShop(harness);
});
afterAll(() => harness?.stop());

describe("bypass corpus: protocol-level evasions", () => {
  it("[prepared] a SQL PREPAREd statement cannot be run by a protocol Bind of its name, past its EXECUTE checks", async () => {
    const { client } = await rawLogin(
      harness.port,
      harness.agent.name,
      harness.token,
      harness.connectionName,
    );
    client.write(bytes.query("PREPARE p AS SELECT count(*) FROM notes"));
    expect((await client.readUntil("Z")).map((m) => m.type)).toEqual(["C", "Z"]);
    // Bind "" to statement "p", no parameters, no result formats; Execute; Sync.
    const bind = Buffer.concat([Buffer.from("\0p\0"), Buffer.from([0, 0, 0, 0, 0, 0])]);
    client.write(
      Buffer.concat([
        bytes.tagged("B", bind),
        bytes.tagged("E", Buffer.concat([Buffer.from("\0"), int32(0)])),
        bytes.tagged("S", Buffer.alloc(0)),
      ]),
    );
    const reply = await client.readUntil("Z");
    expect(reply.map((m) => m.type)).toEqual(["E", "Z"]);
    expect(errorFields(reply[0]?.body ?? Buffer.alloc(0))).toMatchObject({
      C: "26000",
      M: 'prepared statement "p" does not exist',
    });
    client.close();
  });

  it("[function-call] the FunctionCall message cannot run pg_read_file without SQL", async () => {
    const { client } = await rawLogin(
      harness.port,
      harness.agent.name,
      harness.token,
      harness.connectionName,
    );
    // FunctionCall for pg_read_file(text) (oid 2624), one text argument.
    const path = Buffer.from("/etc/passwd");
    client.write(
      bytes.tagged(
        "F",
        Buffer.concat([
          int32(2624),
          Buffer.from([0, 1, 0, 0]),
          Buffer.from([0, 1]),
          int32(path.length),
          path,
          Buffer.from([0, 0]),
        ]),
      ),
    );
    const reply = await client.readUntil("Z");
    expect(reply.map((m) => m.type)).toEqual(["E", "Z"]);
    expect(errorFields(reply[0]?.body ?? Buffer.alloc(0))).toMatchObject({
      C: "42501",
      M: expect.stringContaining("FunctionCall"),
    });
    expect(Buffer.concat(reply.map((m) => m.body)).toString()).not.toContain("root:");
    client.close();
  });

  for (const [name, value] of [
    ["options", "-c search_path=hr -c role=postgres"],
    ["replication", "true"],
    ["role", "postgres"],
    ["session_authorization", "postgres"],
  ] as const) {
    it(`[startup-options] ${name}=${value} is refused before anything reaches the upstream`, async () => {
      const client = await RawClient.connect(harness.port);
      client.write(bytes.startup({ user: harness.agent.name, database: READ_ONLY, [name]: value }));
      const reply = await client.readMessage();
      expect(reply.type).toBe("E");
      expect(errorFields(reply.body)).toMatchObject({ S: "FATAL", C: "42501" });
      await client.waitClosed();
    });
  }

  it("[startup-options] default_transaction_read_only=off cannot disarm a read-only connection, even where an ALLOW SETTING names it", async () => {
    const allowing = await harness.addTwinConnection("shop_ro_allowing");
    await harness.prisma.connection.update({ where: { id: allowing.id }, data: { isReadOnly: true } });
    await harness.prisma.guardrailRule.create({
      data: {
        connectionId: allowing.id,
        name: "read-only-setting",
        kind: "SETTING",
        effect: "ALLOW",
        match: { settings: ["default_transaction_read_only"] },
      },
    });
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();
    for (const database of [READ_ONLY, "shop_ro_allowing"]) {
      const url = harness.urlFor(harness.agent.name, harness.token, database);
      const viaOptions = new pg.Client({
        connectionString: url,
        options: "-c default_transaction_read_only=off",
      });
      const error = await viaOptions.connect().catch((e: pg.DatabaseError) => e);
      await viaOptions.end().catch(() => {});
      expect(error, database).toMatchObject({ severity: "FATAL", code: "42501" });
      expect((error as Error).message, database).toContain("default_transaction_read_only");
      if (database === "shop_ro_allowing") expect((error as Error).message).toContain("read-only");
    }
  });
});
