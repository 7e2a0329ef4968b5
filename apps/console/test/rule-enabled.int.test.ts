import type { Actor, AdminContext } from "@sluice/admin/actor";
import { AdminError } from "@sluice/admin/admin-error";
import { actorForUser } from "@sluice/admin/api-tokens";
import { saveMaskingRule } from "@sluice/admin/masking-rules";
import { saveReviewerGroup } from "@sluice/admin/review-rules";
import { recordSignIn } from "@sluice/admin/users";
import type { PrismaClient } from "@sluice/db/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import { matchPath } from "../src/server/api/route-table";
import { API_ROUTES } from "../src/server/api/routes";

/** `PATCH /api/v1{path}` with `body`, through the route table the API dispatches on. */
async function patch(context: AdminContext, path: string, body: unknown) {
  const route = API_ROUTES.find(
    (candidate) => candidate.method === "PATCH" && matchPath(candidate.path, path),
  );
  if (!route) throw new Error(`no PATCH route for ${path}`);
  return (await route.run(context, { params: matchPath(route.path, path) ?? {}, body, query: {} })) as {
    isEnabled: boolean;
    neverMatches?: string | null;
  };
}

async function refusal(promise: Promise<unknown>): Promise<AdminError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdminError);
  return error as AdminError;
}

/**
 * The rule pages' Disable/Enable: a PATCH of `{ isEnabled }` alone. A rule stored before the API
 * refused patterns that can never match must still be switched off (before, the toggle sent the
 * whole rule back and the save refused its pattern), while a whole-rule PATCH still refuses them.
 */
describe("turning a rule on or off through /api/v1", () => {
  let store: { prisma: PrismaClient; drop: () => Promise<void> };
  let admin: AdminContext;
  let auditor: AdminContext;
  let guardrailId: string;
  let reviewRuleId: string;

  beforeAll(async () => {
    store = await createTestStore();
    await store.prisma.roleMapping.createMany({
      data: [
        { idpGroup: "admins", role: "ADMIN" },
        { idpGroup: "auditors", role: "AUDITOR" },
      ],
    });
    const contextFor = async (email: string, groups: string[]): Promise<AdminContext> => {
      const user = await recordSignIn(store.prisma, {
        issuer: "https://idp.test",
        subject: email,
        email,
        groups,
      });
      if (!user) throw new Error(`${email} got no role`);
      const actor = (await actorForUser(store.prisma, user.id)) as Actor;
      return { db: store.prisma, actor, secretKey: Buffer.alloc(32, 9) };
    };
    admin = await contextFor("ada@example.test", ["admins"]);
    auditor = await contextFor("aud@example.test", ["auditors"]);
    // Written behind the API's back, as an older version saved them.
    guardrailId = (
      await store.prisma.guardrailRule.create({
        data: { name: "no-emp", kind: "TABLE", effect: "DENY", match: { tables: ["*.employees"] } },
      })
    ).id;
    const group = await saveReviewerGroup(admin, { input: { name: "dba", idpGroup: "dbas" } });
    reviewRuleId = (
      await store.prisma.reviewRule.create({
        data: { name: "emp-reads", match: { tables: ["emp*"] }, groups: { create: [{ groupId: group.id }] } },
      })
    ).id;
  });
  afterAll(() => store?.drop());

  it("disables and enables again a guardrail whose stored pattern never matches, leaving it as stored", async () => {
    const disabled = await patch(admin, `/guardrails/${guardrailId}`, { isEnabled: false });
    expect(disabled).toMatchObject({
      isEnabled: false,
      neverMatches: expect.stringContaining('"*.employees"'),
    });
    const row = await store.prisma.guardrailRule.findUniqueOrThrow({ where: { id: guardrailId } });
    expect(row).toMatchObject({ isEnabled: false, kind: "TABLE", match: { tables: ["*.employees"] } });
    const audit = await store.prisma.auditEvent.findFirstOrThrow({
      where: { action: "guardrail.update", targetId: guardrailId },
      orderBy: { id: "desc" },
    });
    expect(audit).toMatchObject({ before: { isEnabled: true }, after: { isEnabled: false } });

    expect(await patch(admin, `/guardrails/${guardrailId}`, { isEnabled: true })).toMatchObject({
      isEnabled: true,
    });
  });

  it("disables a review rule whose stored pattern never matches", async () => {
    const disabled = await patch(admin, `/review-rules/${reviewRuleId}`, { isEnabled: false });
    expect(disabled).toMatchObject({ isEnabled: false, neverMatches: expect.stringContaining('"emp*"') });
    const row = await store.prisma.reviewRule.findUniqueOrThrow({ where: { id: reviewRuleId } });
    expect(row).toMatchObject({ isEnabled: false, match: { tables: ["emp*"] } });
  });

  it("turns a masking rule off and leaves the rest of it as saved", async () => {
    const rule = await saveMaskingRule(admin, {
      input: {
        name: "emails",
        detector: "email",
        strategy: "PARTIAL",
        keepLast: 4,
        exemptGroups: ["support"],
      },
    });
    expect(await patch(admin, `/masking-rules/${rule.id}`, { isEnabled: false })).toMatchObject({
      isEnabled: false,
      detector: "email",
      strategy: "PARTIAL",
      keepLast: 4,
      exemptGroups: ["support"],
    });
  });

  it("still refuses a whole rule written with a pattern that can never match", async () => {
    const error = await refusal(
      patch(admin, `/guardrails/${guardrailId}`, {
        name: "no-emp",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["*.employees"] },
        isEnabled: false,
      }),
    );
    expect(error.fields["match.tables"]).toContain('"*.employees" never matches');
  });

  it("refuses an unknown rule, a role without policy:write and a flag that is not a boolean", async () => {
    expect((await refusal(patch(admin, "/guardrails/nope", { isEnabled: false }))).kind).toBe("not_found");
    expect((await refusal(patch(auditor, `/guardrails/${guardrailId}`, { isEnabled: false }))).kind).toBe(
      "forbidden",
    );
    // Not the flag alone: read as the whole rule, whose fields are missing.
    const error = await refusal(patch(admin, `/guardrails/${guardrailId}`, { isEnabled: "no" }));
    expect(error.kind).toBe("invalid");
    expect(error.fields).toHaveProperty("name");
    const row = await store.prisma.guardrailRule.findUniqueOrThrow({ where: { id: guardrailId } });
    expect(row.isEnabled).toBe(true);
  });
});
