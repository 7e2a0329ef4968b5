import type { PrismaClient } from "../prisma";
import { createAgent } from "../seed/create-agent";
import { createConnection } from "../seed/create-connection";
import { demoGuardrails, demoMaskingRules } from "./demo-rules";
import { DEMO_DATABASE, DEMO_UPSTREAM_ROLE } from "./demo-shop";

export const DEMO_AGENT = "demo-agent";
export const DEMO_AGENT_GROUP = "analysts";
export const DEMO_CONNECTION = DEMO_DATABASE;

/** Console sign-in accounts of the local identity provider, one per role. */
export const DEMO_USERS = [
  { email: "admin@sluice.local", name: "Ada Admin", groups: ["sluice-admins"] },
  { email: "reviewer@sluice.local", name: "Rey Reviewer", groups: ["sluice-reviewers", "finance-leads"] },
  { email: "auditor@sluice.local", name: "Audrey Auditor", groups: ["sluice-auditors"] },
] as const;

const ROLE_MAPPINGS = [
  { idpGroup: "sluice-admins", role: "ADMIN" },
  { idpGroup: "sluice-reviewers", role: "REVIEWER" },
  { idpGroup: "sluice-auditors", role: "AUDITOR" },
] as const;

export type SeedDemoOptions = {
  upstream: { host: string; port: number; password: string };
  secretKey: Buffer;
};

/**
 * Stores the demo policy: a connection to `demo_shop`, masking, guardrails, a review rule and an
 * agent. Runs once; the returned token is the only time it exists in clear (the caller keeps it for
 * the demo's printed connection string). Returns null when the demo was already seeded.
 */
export async function seedDemoPolicy(prisma: PrismaClient, options: SeedDemoOptions) {
  if (await prisma.connection.findUnique({ where: { name: DEMO_CONNECTION } })) return null;
  return prisma.$transaction(async (db) => {
    for (const mapping of ROLE_MAPPINGS) {
      await db.roleMapping.upsert({ where: { idpGroup_role: mapping }, update: {}, create: mapping });
    }
    const connection = await createConnection(db, {
      name: DEMO_CONNECTION,
      description: "Demo shop: customers, orders and employees (fake data)",
      host: options.upstream.host,
      port: options.upstream.port,
      database: DEMO_DATABASE,
      username: DEMO_UPSTREAM_ROLE,
      password: options.upstream.password,
      secretKey: options.secretKey,
      tlsMode: "DISABLE",
      allowedGroups: [DEMO_AGENT_GROUP],
    });
    await db.maskingRule.createMany({ data: demoMaskingRules(connection.id, "public") });
    await db.guardrailRule.createMany({
      data: demoGuardrails(connection.id, [
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_dir",
        "pg_stat_file",
        "lo_import",
        "lo_export",
      ]),
    });
    const financeLeads = await db.reviewerGroup.create({
      data: { name: "finance-leads", idpGroup: "finance-leads", description: "Approves access to pay data" },
    });
    await db.reviewRule.create({
      data: {
        connectionId: connection.id,
        name: "salary-reads",
        match: { columns: ["public.employees.salary"] },
        groups: { create: [{ groupId: financeLeads.id }] },
      },
    });
    await db.policyState.upsert({ where: { id: 1 }, update: {}, create: { id: 1 } });
    const { agent, token } = await createAgent(db, {
      name: DEMO_AGENT,
      description: "The demo AI agent",
      groups: [DEMO_AGENT_GROUP],
    });
    return { agent, token, connection };
  });
}
