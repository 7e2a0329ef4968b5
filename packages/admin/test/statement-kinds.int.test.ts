import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support";
import type { AdminContext } from "../src/actor";
import { saveGuardrail } from "../src/guardrail-rules";
import { saveReviewerGroup, saveReviewRule } from "../src/review-rules";
import { saveAgent } from "../src/save-agent";
import { saveConnection } from "../src/save-connection";
import { tryStatement } from "../src/try-statement";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

const KEY = Buffer.alloc(32, 7);

describe("statement kinds in the admin API, and the try box's verdicts", () => {
  let store: AdminStore;
  let upstream: { url: string; drop: () => Promise<void> };
  let admin: AdminContext;
  let connectionId: string;

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    upstream = await createTestDatabase("kinds_upstream");
    admin = await store.contextFor("ada@example.test", ["admins"]);
    const url = new URL(upstream.url);
    const connection = await saveConnection(admin, {
      input: {
        name: "shop",
        host: url.hostname,
        port: Number(url.port),
        database: url.pathname.slice(1),
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        tlsMode: "DISABLE",
      },
    });
    connectionId = connection.id;
  });
  afterAll(async () => {
    await store?.drop();
    await upstream?.drop();
  });

  const guardrail = (name: string, kinds: unknown[], effect = "DENY") =>
    saveGuardrail(admin, { input: { name, connectionId, kind: "STATEMENT_KIND", effect, match: { kinds } } });
  const judge = (statement: string, agentId?: string) =>
    tryStatement(admin, { input: { connectionId, statement, agentId: agentId ?? null } });

  it("refuses a STATEMENT_KIND guardrail whose kind the gateway never reports, on the kinds field", async () => {
    for (const kind of ["ALTR", "ALTERTABLE", "DELETE FROM"]) {
      const error = await refusal(guardrail("typo", [kind]));
      expect(error.fields["match.kinds"]).toContain(`"${kind}" is not a statement kind the gateway reports`);
    }
    const allowFamily = await refusal(guardrail("allow-create", ["CREATE"], "ALLOW"));
    expect(allowFamily.fields["match.kinds"]).toContain("CREATE is a family of kinds");
    const denyPseudo = await refusal(guardrail("deny-copy-program", ["COPY PROGRAM"]));
    expect(denyPseudo.fields["match.kinds"]).toContain("only relaxes a built-in default");
    expect(await store.prisma.guardrailRule.count()).toBe(0);
  });

  it("saves the form's own example, ALTER, and it fires on ALTER TABLE", async () => {
    const saved = await guardrail("no-alter", ["alter"]);
    expect(saved.match).toEqual({ kinds: ["ALTER"] });
    const verdict = await judge("ALTER TABLE customers ADD COLUMN x int");
    expect(verdict.verdict).toMatchObject({ kind: "deny", rule: "no-alter" });
    expect((await judge("ALTER TABLE customers RENAME TO c")).verdict).toMatchObject({ rule: "no-alter" });
    expect((await judge("SELECT 1")).verdict).toMatchObject({ kind: "allow" });
  });

  it("refuses review rules with unknown kinds, on the kinds field, and keeps the kinds upper case", async () => {
    await saveReviewerGroup(admin, { input: { name: "dba", idpGroup: "dbas" } });
    const error = await refusal(
      saveReviewRule(admin, {
        input: { name: "typo", connectionId, match: { kinds: ["DELET"] }, reviewerGroups: ["dba"] },
      }),
    );
    expect(error.fields["match.kinds"]).toContain('"DELET" is not a statement kind');
    const saved = await saveReviewRule(admin, {
      input: { name: "deletes", connectionId, match: { kinds: ["delete"] }, reviewerGroups: ["dba"] },
    });
    expect(saved.match).toEqual({ kinds: ["DELETE"] });
  });

  it("refuses table and column patterns that can never match, on their fields", async () => {
    const table = await refusal(
      saveGuardrail(admin, {
        input: {
          name: "no-emp",
          connectionId,
          kind: "TABLE",
          effect: "DENY",
          match: { tables: ["*.employees"] },
        },
      }),
    );
    expect(table.fields["match.tables"]).toContain('"*.employees" never matches');
    const column = await refusal(
      saveGuardrail(admin, {
        input: {
          name: "no-salary",
          connectionId,
          kind: "COLUMN",
          effect: "DENY",
          match: { columns: ["*.employees.salary"] },
        },
      }),
    );
    expect(column.fields["match.columns"]).toContain('"*.employees.salary" never matches');
    const review = await refusal(
      saveReviewRule(admin, {
        input: { name: "emp-reads", connectionId, match: { tables: ["emp*"] }, reviewerGroups: ["dba"] },
      }),
    );
    expect(review.fields["match.tables"]).toContain('"emp*" never matches');
  });

  it("reports a statement the gateway holds for review as a hold, with the rule and the reviewers", async () => {
    const held = await judge("DELETE FROM customers WHERE id = 1");
    expect(held.verdict).toEqual({
      kind: "hold",
      rule: "deletes",
      reviewerGroups: ["dba"],
      isBlocking: true,
      timeoutSeconds: 600,
      maskedTables: [],
      message: expect.stringContaining('needs approval under review rule "deletes"'),
    });
    // A MERGE that deletes is a DELETE to the review rule as well.
    const merge = await judge(
      "MERGE INTO customers t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE",
    );
    expect(merge.verdict).toMatchObject({ kind: "hold", rule: "deletes" });
    // Nothing was filed: trying is not asking.
    expect(await store.prisma.review.count()).toBe(0);
  });

  it("reports a non-blocking review rule as such, and an approval window as an allow", async () => {
    const rule = await store.prisma.reviewRule.findFirstOrThrow({ where: { name: "deletes" } });
    await store.prisma.reviewRule.update({ where: { id: rule.id }, data: { isBlocking: false } });
    expect((await judge("DELETE FROM customers WHERE id = 1")).verdict).toMatchObject({
      kind: "hold",
      isBlocking: false,
    });
    const agent = await saveAgent(admin, { input: { name: "bot", groups: [] } });
    const review = await store.prisma.review.create({
      data: {
        agentId: agent.id,
        connectionId,
        ruleId: rule.id,
        statement: "DELETE FROM customers WHERE id = 2",
        statementHash: "x",
        expiresAt: new Date(Date.now() + 60_000),
        status: "APPROVED",
      },
    });
    await store.prisma.reviewGrant.create({
      data: {
        kind: "WINDOW",
        reviewId: review.id,
        agentId: agent.id,
        connectionId,
        ruleId: rule.id,
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    const granted = await judge("DELETE FROM customers WHERE id = 1", agent.id);
    expect(granted.verdict).toMatchObject({
      kind: "allow",
      note: expect.stringContaining(`approval window of review R-${review.number}`),
    });
    // Another agent has no window: still a review.
    expect((await judge("DELETE FROM customers WHERE id = 1")).verdict).toMatchObject({ kind: "hold" });
  });

  it("reports a denial as a denial, ahead of any review", async () => {
    await saveGuardrail(admin, {
      input: { name: "scoped", connectionId, kind: "MISSING_WHERE", match: { kinds: ["DELETE"] } },
    });
    const denied = await judge("DELETE FROM customers WHERE true");
    expect(denied.verdict).toMatchObject({
      kind: "deny",
      rule: "scoped",
      message: expect.stringContaining("has a WHERE clause that does not limit its rows"),
    });
  });
});
