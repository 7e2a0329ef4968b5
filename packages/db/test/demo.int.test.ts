import { randomBytes } from "node:crypto";
import { DEMO_AGENT, seedDemoPolicy } from "@sluice/db/demo/demo-policy";
import { DEMO_SIZES, ensureDemoShop, withDatabase } from "@sluice/db/demo/demo-shop";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { decryptSecret } from "@sluice/secrets/secret-box";
import { afterAll, describe, expect, inject, it } from "vitest";
import { verifyScramToken } from "../../../test/scram-check";
import { adminQuery, createTestStore } from "../../../test/support";

describe("demo", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("creates demo_shop with realistic data and a login role, once", async () => {
    const adminUrl = inject("adminUrl");
    const password = randomBytes(12).toString("base64url");
    await ensureDemoShop({ adminUrl, upstreamPassword: password });
    const second = await ensureDemoShop({ adminUrl, upstreamPassword: password });
    expect(second.isCreated).toBe(false);
    const shopAsRole = new URL(withDatabase(adminUrl, "demo_shop"));
    shopAsRole.username = "sluice_demo";
    shopAsRole.password = password;
    const counts = await adminQuery(
      shopAsRole.toString(),
      `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM orders)::int AS orders,
              (SELECT count(*) FROM employees)::int AS employees,
              (SELECT count(*) FROM customers WHERE ssn ~ '^\\d{3}-\\d{2}-\\d{4}$' AND card_number ~ '^4\\d{15}$' AND email LIKE '%@%')::int AS well_formed`,
    );
    expect(counts.rows[0]).toEqual({
      customers: DEMO_SIZES.customers,
      orders: DEMO_SIZES.orders,
      employees: DEMO_SIZES.employees,
      well_formed: DEMO_SIZES.customers,
    });
  });

  it("seeds the demo policy once, with the agent's token stored only as a verifier", async () => {
    const store = await createTestStore();
    cleanups.push(store.drop);
    const secretKey = randomBytes(32);
    const seeded = await seedDemoPolicy(store.prisma, {
      upstream: { host: "127.0.0.1", port: 5432, password: "brokered-secret" },
      secretKey,
    });
    expect(seeded).not.toBeNull();
    expect(
      await seedDemoPolicy(store.prisma, { upstream: { host: "h", port: 1, password: "x" }, secretKey }),
    ).toBeNull();

    const agent = await store.prisma.agent.findUniqueOrThrow({
      where: { name: DEMO_AGENT },
      include: { credentials: true },
    });
    const credential = agent.credentials[0];
    expect(credential?.scramVerifier).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(credential?.scramVerifier).not.toContain(seeded?.token);
    expect(verifyScramToken(credential?.scramVerifier ?? "", seeded?.token ?? "")).toBe(true);

    const connection = await store.prisma.connection.findUniqueOrThrow({ where: { name: "demo_shop" } });
    expect(connection.passwordCipher).not.toContain("brokered-secret");
    expect(
      decryptSecret(connection.passwordCipher ?? "", secretKey, connectionSecretAad(connection.id)),
    ).toBe("brokered-secret");

    const rules = await store.prisma.guardrailRule.findMany({ select: { name: true } });
    expect(rules.map((r) => r.name).sort()).toEqual([
      "no-drop-truncate",
      "no-file-functions",
      "no-unscoped-delete",
      "no-unscoped-update",
    ]);
    const masks = await store.prisma.maskingRule.findMany({ select: { columnSelector: true } });
    expect(masks.map((m) => m.columnSelector).sort()).toEqual([
      "public.customers.card_number",
      "public.customers.email",
      "public.customers.ssn",
    ]);
    const review = await store.prisma.reviewRule.findFirstOrThrow({
      include: { groups: { include: { group: true } } },
    });
    expect(review.groups.map((g) => g.group.idpGroup)).toEqual(["finance-leads"]);
  });
});
