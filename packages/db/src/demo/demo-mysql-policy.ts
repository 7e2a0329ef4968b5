import { encryptSecret } from "@sluice/secrets/secret-box";
import type { PrismaClient } from "../prisma";
import { connectionSecretAad, createConnection } from "../seed/create-connection";
import { DEMO_AGENT_GROUP } from "./demo-policy";
import { demoGuardrails, demoMaskingRules } from "./demo-rules";
import { DEMO_DATABASE, DEMO_UPSTREAM_ROLE } from "./demo-shop";

/** The demo's MySQL connection: the same shop on the demo's own MariaDB. */
export const DEMO_MYSQL_CONNECTION = "demo_shop_mysql";

export type SeedDemoMySqlOptions = {
  upstream: { host: string; port: number; password: string };
  secretKey: Buffer;
};

/**
 * Stores the MySQL connection with the Postgres demo's policy (masking, guardrails, the salary
 * review), open to the demo agent's group. On later starts only the address and the brokered
 * password are brought up to date: the demo's MariaDB takes a free port each time, and rules an
 * admin changed in the console stay as they are.
 */
export async function seedDemoMySqlPolicy(prisma: PrismaClient, options: SeedDemoMySqlOptions) {
  const existing = await prisma.connection.findUnique({ where: { name: DEMO_MYSQL_CONNECTION } });
  if (existing) {
    return prisma.connection.update({
      where: { id: existing.id },
      data: {
        host: options.upstream.host,
        port: options.upstream.port,
        passwordCipher: encryptSecret(
          options.upstream.password,
          options.secretKey,
          connectionSecretAad(existing.id),
        ),
      },
    });
  }
  return prisma.$transaction(async (db) => {
    const connection = await createConnection(db, {
      name: DEMO_MYSQL_CONNECTION,
      type: "MYSQL",
      description: "Demo shop on MariaDB: the same customers, orders and employees (fake data)",
      host: options.upstream.host,
      port: options.upstream.port,
      database: DEMO_DATABASE,
      username: DEMO_UPSTREAM_ROLE,
      password: options.upstream.password,
      secretKey: options.secretKey,
      tlsMode: "DISABLE",
      allowedGroups: [DEMO_AGENT_GROUP],
    });
    // MySQL's schema is the database: selectors name demo_shop where Postgres names public.
    await db.maskingRule.createMany({ data: demoMaskingRules(connection.id, DEMO_DATABASE) });
    await db.guardrailRule.createMany({ data: demoGuardrails(connection.id, ["load_file"]) });
    const financeLeads = await db.reviewerGroup.upsert({
      where: { name: "finance-leads" },
      update: {},
      create: {
        name: "finance-leads",
        idpGroup: "finance-leads",
        description: "Approves access to pay data",
      },
    });
    await db.reviewRule.create({
      data: {
        connectionId: connection.id,
        name: "salary-reads",
        match: { columns: [`${DEMO_DATABASE}.employees.salary`] },
        groups: { create: [{ groupId: financeLeads.id }] },
      },
    });
    await db.policyState.upsert({ where: { id: 1 }, update: {}, create: { id: 1 } });
    return connection;
  });
}
