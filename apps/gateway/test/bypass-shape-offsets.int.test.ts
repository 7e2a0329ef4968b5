import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * A simple Query refused at a later statement lets the statements before it run: the gateway sends
 * the text up to where the refused one starts (its byteOffset) and a failing stand-in. Facts are
 * shared by statement shape, so a message whose first literal is shorter than the one judged
 * before must not get that message's offsets: they would point past its refused statement.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await adminQuery(harness.directUrl, "CREATE SCHEMA vault; CREATE TABLE vault.items (id int, name text)");
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.guardrailRule.create({
    data: { connectionId: shop.id, name: "no-vault", kind: "TABLE", match: { tables: ["vault.*"] } },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

async function refusalOf(sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: harness.url });
  await client.connect();
  try {
    return await client.query(sql).then(
      () => "allow",
      (error: pg.DatabaseError) =>
        /^blocked by guardrail "([^"]+)"/.exec(error.message)?.[1] ?? `error ${error.code}`,
    );
  } finally {
    await client.end();
  }
}

describe("a refused statement after others, in a message of a shape judged before", () => {
  it("never runs, whatever the lengths of the literals before it", async () => {
    // The refused write, committed by the statement after it if it ever ran.
    const refused = "INSERT INTO vault.items VALUES (666, 'pwned'); COMMIT; ";
    const pad = "x".repeat(refused.length);
    // The same shape twice: in the second the refused write starts `pad.length` bytes earlier, so
    // the first's offset of it is where the second's last statement starts.
    expect(await refusalOf(`SELECT '${pad}'; ${refused}SELECT ''`)).toBe("no-vault");
    expect(await refusalOf(`SELECT ''; ${refused}SELECT '${pad}'`)).toBe("no-vault");
    const rows = await adminQuery(harness.directUrl, "SELECT count(*)::int AS n FROM vault.items");
    expect(rows.rows[0]?.n).toBe(0);
  });
});
