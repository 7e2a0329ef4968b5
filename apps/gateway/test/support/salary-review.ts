import type { Harness } from "./gateway-harness";

/**
 * The demo's review rule on `public.employees.salary` for `finance-leads`, on one connection.
 * Non-blocking: a matching statement is refused at once with the rule's name and waits for a
 * reviewer unrun, so a test reads the classification from the refusal.
 */
export async function addSalaryReviewRule(harness: Harness, connectionId: string): Promise<void> {
  const finance = await harness.prisma.reviewerGroup.create({
    data: { name: "finance-leads", idpGroup: "finance-leads" },
  });
  await harness.prisma.reviewRule.create({
    data: {
      connectionId,
      name: "salary-reads",
      match: { columns: ["public.employees.salary"] },
      isBlocking: false,
      groups: { create: [{ groupId: finance.id }] },
    },
  });
}
