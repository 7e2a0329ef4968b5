import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { Db } from "@sluice/db/prisma";
import pg from "pg";
import { type Harness, startHarness } from "./gateway-harness";
import type { RawClient } from "./raw-client";
import { directLogin, loginAs, type UpstreamLogin } from "./side-by-side";

/** A guardrail on the harness's connection (its id is filled in). */
export type GuardrailInput = Omit<Db.Prisma.GuardrailRuleCreateManyInput, "connectionId">;

export type BypassStage = {
  harness: Harness;
  upstream: UpstreamLogin;
  /** The upstream database as its owner: sets up victims and checks what survived. */
  admin: pg.Client;
  /** A raw session through Sluice as the harness's agent. */
  viaGateway: () => Promise<RawClient>;
  /** A raw session straight to the server as the brokered role: where the attack must work. */
  direct: () => Promise<RawClient>;
  stop: () => Promise<void>;
};

/** Puts `rules` on the harness's connection and makes the gateway judge by them from now on. */
export async function applyGuardrails(harness: Harness, rules: GuardrailInput[]): Promise<void> {
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  // One at a time, in order: each rule's creation time is its place among the connection's rules.
  for (const rule of rules)
    await harness.prisma.guardrailRule.create({ data: { ...rule, connectionId: shop.id } });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
}

/**
 * The stage every bypass corpus of raw attacks starts from: the gateway harness, the upstream's
 * schema created by its owner (`schema` gets the brokered role's name, for its GRANTs), the
 * corpus's guardrails, and the two ways in, so each attack runs against the server first and then
 * through Sluice.
 */
export async function startBypassStage(options: {
  schema: (role: string) => string;
  guardrails: GuardrailInput[];
}): Promise<BypassStage> {
  const harness = await startHarness();
  const upstream = directLogin(harness);
  const admin = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await admin.connect();
  await admin.query(options.schema(upstream.user));
  await applyGuardrails(harness, options.guardrails);
  return {
    harness,
    upstream,
    admin,
    viaGateway: () => loginAs(harness, "gateway"),
    direct: () => loginAs(harness, "direct"),
    stop: async () => {
      await admin.end();
      await harness.stop();
    },
  };
}

/**
 * Whether `sql`, run straight against the upstream as the agent's login inside a transaction that
 * is rolled back, changes what `read` returns: the oracle that a write the gateway refuses would
 * really have changed the protected rows.
 */
export async function changesDirectly(
  stage: BypassStage,
  read: string,
  sql: string,
  values?: unknown[],
): Promise<boolean> {
  const direct = new pg.Client({ connectionString: stage.harness.directUrl });
  await direct.connect();
  try {
    const before = JSON.stringify((await direct.query(read)).rows);
    await direct.query("BEGIN");
    await direct.query(sql, values);
    return JSON.stringify((await direct.query(read)).rows) !== before;
  } finally {
    await direct.query("ROLLBACK");
    await direct.end();
  }
}
