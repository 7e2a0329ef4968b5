import type { AdminContext } from "@sluice/admin/actor";
import { tryStatement } from "@sluice/admin/try-statement";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * The console's "Try a statement" gives the gateway's verdict for unqualified names: a name is
 * judged in every schema the session's search_path could find it in, and where that would refuse,
 * by the schema the server really finds it in. The session's path is the database's default here
 * (`hr, public`, set by ALTER DATABASE, reported by the upstream at login), not the server's
 * built-in `"$user", public`; each statement is sent through the real gateway and to the try box,
 * and the two verdicts must be the same.
 */
let harness: Harness;
let context: AdminContext;
const ALLOW_LIST = "shop_allow_list";

beforeAll(async () => {
  harness = await startHarness();
  const direct = new URL(harness.directUrl);
  const role = decodeURIComponent(direct.username);
  const database = direct.pathname.slice(1);
  const owner = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await owner.connect();
  await owner.query(`
    CREATE SCHEMA hr;
    CREATE TABLE hr.secrets (id int);
    CREATE TABLE public.orders (id int);
    INSERT INTO hr.secrets VALUES (1);
    INSERT INTO public.orders VALUES (1);
    GRANT USAGE ON SCHEMA hr TO ${role};
    GRANT SELECT ON hr.secrets, public.orders TO ${role};
    ALTER DATABASE ${database} SET search_path = hr, public;`);
  await owner.end();

  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const allowList = await harness.addTwinConnection(ALLOW_LIST);
  await harness.prisma.guardrailRule.createMany({
    data: [
      { connectionId: shop.id, name: "no-hr", kind: "TABLE", match: { tables: ["hr.*"], access: "any" } },
      {
        connectionId: allowList.id,
        name: "public-only",
        kind: "TABLE",
        effect: "ALLOW",
        match: { tables: ["public.*"], access: "any" },
      },
    ],
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  context = {
    db: harness.prisma,
    actor: { kind: "USER", userId: "try-box-test", name: "admin@sluice.test", roles: ["ADMIN"] },
    secretKey: harness.secretKey,
  };
});
afterAll(() => harness?.stop());

/** The gateway's verdict, as the agent sees it: allow (rows came back) or the refusing rule. */
async function viaGateway(connection: string, sql: string): Promise<string> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, connection),
  });
  await client.connect();
  try {
    await client.query(sql);
    return "allow";
  } catch (error) {
    const message = (error as Error).message;
    return `deny ${/blocked by (?:guardrail|Sluice default) "([^"]+)"/.exec(message)?.[1] ?? message}`;
  } finally {
    await client.end();
  }
}

async function viaTryBox(connection: string, sql: string): Promise<string> {
  const { id } = await harness.prisma.connection.findUniqueOrThrow({ where: { name: connection } });
  const { verdict, catalogProblem } = await tryStatement(context, {
    input: { connectionId: id, agentId: harness.agent.id, statement: sql },
  });
  expect(catalogProblem).toBeNull();
  return verdict.kind === "deny" ? `deny ${verdict.rule}` : verdict.kind;
}

describe("the try box resolves unqualified names as the gateway does", () => {
  const CASES: [connection: string, sql: string, verdict: string][] = [
    // The path is `hr, public`: `secrets` is hr.secrets, which the rule refuses.
    ["shop", "SELECT id FROM secrets", "deny no-hr"],
    ["shop", "SELECT id FROM hr.secrets", "deny no-hr"],
    ["shop", "SELECT id FROM orders", "allow"],
    // An allow-list of public: `orders` could be hr.orders or pg_catalog.orders by name alone, but
    // the server finds public.orders; `secrets` it finds in hr.
    [ALLOW_LIST, "SELECT id FROM orders", "allow"],
    [ALLOW_LIST, "SELECT id FROM public.orders", "allow"],
    [ALLOW_LIST, "SELECT id FROM secrets", "deny sluice:table-allow-list"],
  ];
  for (const [connection, sql, verdict] of CASES) {
    it(`${connection}: ${sql} → ${verdict}, through the gateway and in the try box`, async () => {
      expect(await viaGateway(connection, sql)).toBe(verdict);
      expect(await viaTryBox(connection, sql)).toBe(verdict);
    });
  }
});
