import { randomBytes } from "node:crypto";
import { applyPolicy } from "@sluice/db/policy/apply-policy";
import { describeNeverMatchingRule, findNeverMatchingRules } from "@sluice/db/policy/never-matching-rules";
import type { PrismaClient } from "@sluice/db/prisma";
import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";

function policyWith(connection: string, guardrails: string[]) {
  const result = readPolicyFile(
    [
      "version: 1",
      "connections:",
      `  - name: ${connection}`,
      "    host: db",
      "    port: 5432",
      "    database: shop",
      "    username: app",
      "    guardrails:",
      ...guardrails.map((line) => `      - ${line}`),
    ].join("\n"),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

const GOOD = "{ name: no-emp, kind: TABLE, match: { tables: [hr.employees] } }";

/**
 * Rules stored before `policy apply` and the API refused patterns that can never match: `sluice
 * policy` names them (export, apply and its dry run), since they load and never fire.
 */
describe("stored rules whose patterns can never match, in policy as code", () => {
  let store: { prisma: PrismaClient; drop: () => Promise<void> };
  const secretKey = randomBytes(32);

  beforeAll(async () => {
    store = await createTestStore();
    await applyPolicy(store.prisma, { policy: policyWith("legacy", [GOOD]), secretKey, env: {} });
    const legacy = await store.prisma.connection.findUniqueOrThrow({ where: { name: "legacy" } });
    // Written behind apply's back, as an older version saved them.
    await store.prisma.guardrailRule.create({
      data: {
        connectionId: legacy.id,
        name: "no-emp-any",
        kind: "TABLE",
        match: { tables: ["*.employees"] },
      },
    });
    await store.prisma.reviewRule.create({ data: { name: "emp-reads", match: { tables: ["emp*"] } } });
  });
  afterAll(async () => {
    await store?.drop();
  });

  it("finds each stored rule that never fires, with where it is and why", async () => {
    const found = (await findNeverMatchingRules(store.prisma)).map(describeNeverMatchingRule);
    expect(found).toEqual([
      'guardrail no-emp-any (connection legacy) never fires: match.tables: "*.employees" never matches: a table pattern is table, schema.table, schema.* or *',
      'review rule emp-reads (every connection) never fires: match.tables: "emp*" never matches: a table pattern is table, schema.table, schema.* or *',
    ]);
  });

  it("warns of them on a dry run of a file that leaves them alone, and writes nothing", async () => {
    const summary = await applyPolicy(store.prisma, {
      policy: policyWith("shop", [GOOD]),
      secretKey,
      env: {},
      isDryRun: true,
    });
    expect(summary).toMatchObject({ connections: 1, rules: 1 });
    expect(summary.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^guardrail no-emp-any \(connection legacy\) never fires: .*leaves alone\)$/),
        expect.stringMatching(/^review rule emp-reads \(every connection\) never fires: /),
      ]),
    );
    expect(await store.prisma.connection.findUnique({ where: { name: "shop" } })).toBeNull();
    expect(await findNeverMatchingRules(store.prisma)).toHaveLength(2);
  });

  it("stops warning of a connection's rules once a file replaces them", async () => {
    const summary = await applyPolicy(store.prisma, {
      policy: policyWith("legacy", [GOOD]),
      secretKey,
      env: {},
    });
    expect(summary.warnings.filter((warning) => warning.includes("never fires"))).toEqual([
      expect.stringMatching(/^review rule emp-reads \(every connection\)/),
    ]);
    expect(await store.prisma.guardrailRule.findMany({ select: { name: true } })).toEqual([
      { name: "no-emp" },
    ]);
  });
});
