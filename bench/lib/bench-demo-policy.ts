import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { BenchEnv } from "./bench-env";

/**
 * The demo policy's shape on pgbench's tables, so a benchmark pays for what `start` ships besides
 * the guardrails: three masking rules (one per strategy the demo uses, as on its customers) and a
 * review rule on a column with a reviewer group (as its salary rule). The masked and reviewed
 * columns are ones `pgbench -S` does not read, so every path returns the same rows; the connection
 * is still a masked one (each result planned by column origin, the read's tables named in its
 * verdict and its literals redacted in the recording) and every statement is checked for review.
 */
export async function addDemoShapedPolicy(env: BenchEnv, connectionName: string): Promise<void> {
  const { prisma } = env;
  const connection = await prisma.connection.findUniqueOrThrow({ where: { name: connectionName } });
  const connectionId = connection.id;
  await prisma.maskingRule.createMany({
    data: [
      {
        connectionId,
        name: "accounts-filler",
        columnSelector: "public.pgbench_accounts.filler",
        strategy: "HASH",
      },
      {
        connectionId,
        name: "tellers-filler",
        columnSelector: "public.pgbench_tellers.filler",
        strategy: "REDACT",
      },
      {
        connectionId,
        name: "branches-filler",
        columnSelector: "public.pgbench_branches.filler",
        strategy: "PARTIAL",
        keepLast: 4,
      },
    ],
  });
  const reviewers = await prisma.reviewerGroup.create({
    data: { name: "bench-reviewers", idpGroup: "bench-reviewers", description: "Approves history reads" },
  });
  await prisma.reviewRule.create({
    data: {
      connectionId,
      name: "history-reads",
      match: { columns: ["public.pgbench_history.delta"] },
      groups: { create: [{ groupId: reviewers.id }] },
    },
  });
  await bumpPolicyVersion(prisma);
}
