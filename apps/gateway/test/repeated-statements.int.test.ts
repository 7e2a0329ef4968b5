import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * The gateway remembers the verdicts of reads a session repeats (and their facts by shape), so
 * these check that a repeat is judged again whenever what its verdict rests on has moved: the same
 * text, or the same shape with other constants, after the session changed its search_path or the
 * policy changed, in both protocols.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  // `items` lives in public and in `vault`, which a guardrail keeps agents out of.
  await adminQuery(
    harness.directUrl,
    "CREATE TABLE items (id int, name text); INSERT INTO items VALUES (1, 'a'), (2, 'b');" +
      "CREATE SCHEMA vault; CREATE TABLE vault.items (id int, name text)",
  );
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.guardrailRule.create({
    data: { connectionId: shop.id, name: "no-vault", kind: "TABLE", match: { tables: ["vault.*"] } },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

/** The rule that refused `sql` (with `values`: the extended protocol), or "allow". */
async function verdictOf(client: pg.Client, sql: string, values?: unknown[]): Promise<string> {
  return client.query(sql, values).then(
    () => "allow",
    (error: pg.DatabaseError) =>
      /^blocked by guardrail "([^"]+)"/.exec(error.message)?.[1] ?? `error ${error.code}`,
  );
}

async function withClient(use: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: harness.url });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}

describe("a statement the session ran before", () => {
  it("is judged again after the session moves its search_path (simple protocol)", async () => {
    await withClient(async (client) => {
      for (let i = 0; i < 3; i += 1)
        expect(await verdictOf(client, `SELECT name FROM items WHERE id = ${i}`)).toBe("allow");
      expect(await verdictOf(client, "SET search_path = vault, public")).toBe("allow");
      expect(await verdictOf(client, "SELECT name FROM items WHERE id = 1")).toBe("no-vault");
      expect(await verdictOf(client, "SELECT name FROM items WHERE id = 7")).toBe("no-vault");
    });
  });

  it("is judged again after the session moves its search_path (extended protocol)", async () => {
    await withClient(async (client) => {
      for (let i = 0; i < 3; i += 1)
        expect(await verdictOf(client, "SELECT name FROM items WHERE id = $1", [i])).toBe("allow");
      expect(await verdictOf(client, "SELECT set_config('search_path', 'vault, public', false)")).toBe(
        "allow",
      );
      expect(await verdictOf(client, "SELECT name FROM items WHERE id = $1", [1])).toBe("no-vault");
    });
  });

  it("is judged again after a policy change", async () => {
    const shop = await harness.prisma.connection.findUniqueOrThrow({
      where: { name: harness.connectionName },
    });
    await withClient(async (client) => {
      for (let i = 0; i < 3; i += 1)
        expect(await verdictOf(client, `SELECT name FROM items WHERE id = ${i}`)).toBe("allow");
      const rule = await harness.prisma.guardrailRule.create({
        data: { connectionId: shop.id, name: "no-items", kind: "TABLE", match: { tables: ["items"] } },
      });
      try {
        await bumpPolicyVersion(harness.prisma);
        await harness.gateway.policies.reload();
        expect(await verdictOf(client, "SELECT name FROM items WHERE id = 1")).toBe("no-items");
        expect(await verdictOf(client, "SELECT name FROM items WHERE id = 2")).toBe("no-items");
      } finally {
        await harness.prisma.guardrailRule.delete({ where: { id: rule.id } });
        await bumpPolicyVersion(harness.prisma);
        await harness.gateway.policies.reload();
      }
    });
  });
});
