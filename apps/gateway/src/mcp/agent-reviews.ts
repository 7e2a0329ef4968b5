import type { PrismaClient } from "@sluice/db/prisma";

/** A review as its agent may see it: never another agent's. */
export type AgentReview = {
  number: number;
  status: "PENDING" | "APPROVED" | "DENIED" | "EXPIRED" | "ABANDONED" | "EXECUTED";
  isBlocking: boolean;
  connection: string;
  statement: string;
  reviewerGroups: string[];
  expiresAt: Date;
  denial: { by: string; reason: string | null } | null;
};

/** Reads the agent's own reviews from the store (any gateway process may hold the statement). */
export function createAgentReviews(prisma: PrismaClient) {
  return {
    async find(agentId: string, number: number): Promise<AgentReview | null> {
      const review = await prisma.review.findFirst({
        where: { number, agentId },
        include: {
          connection: { select: { name: true } },
          rule: { select: { groups: { select: { group: { select: { name: true } } } } } },
          decisions: {
            where: { verdict: "DENY" },
            select: { reason: true, user: { select: { email: true } } },
          },
        },
      });
      if (!review) return null;
      const denial = review.decisions[0];
      return {
        number: review.number,
        status: review.status,
        isBlocking: review.isBlocking,
        connection: review.connection.name,
        statement: review.statement,
        reviewerGroups: review.rule?.groups.map((link) => link.group.name) ?? [],
        expiresAt: review.expiresAt,
        denial: denial ? { by: denial.user.email, reason: denial.reason } : null,
      };
    },
  };
}

export type AgentReviews = ReturnType<typeof createAgentReviews>;
