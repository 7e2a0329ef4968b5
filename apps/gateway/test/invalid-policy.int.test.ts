import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * A stored rule that no longer validates (an upgrade narrowed what rules may say, or the store was
 * edited by hand) refuses every statement of its own connection and nothing else: the gateway keeps
 * running, other connections keep working, and the refusal says why.
 */
let harness: Harness;
const TWIN = "shop_twin";

beforeAll(async () => {
  harness = await startHarness();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.addTwinConnection(TWIN);
  await harness.prisma.guardrailRule.create({
    data: {
      connectionId: shop.id,
      name: "typo",
      kind: "STATEMENT_KIND",
      match: { kinds: ["ALTERDATABASE"] },
    },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

it("an unreadable rule refuses its connection's statements, names itself, and leaves the others alone", async () => {
  const refused = await query(harness.url, "SELECT 1").catch((error: Error) => error);
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toContain('Sluice default "sluice:invalid-policy"');
  expect((refused as Error).message).toContain('guardrail "typo"');
  const twin = await query(harness.urlFor(harness.agent.name, harness.token, TWIN), "SELECT 1 AS one");
  expect(twin.rows).toEqual([{ one: 1 }]);
});
