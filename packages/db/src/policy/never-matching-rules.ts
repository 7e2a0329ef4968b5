import { guardrailPatternProblem, reviewPatternProblem } from "@sluice/policy/never-matching-rules";
import type { DbClient } from "../prisma";

/** A stored rule whose table or column patterns can never match, and why. */
export type NeverMatchingRule = {
  rule: "guardrail" | "review rule";
  name: string;
  /** Null: a rule of every connection. */
  connection: string | null;
  field: "tables" | "columns";
  message: string;
};

/**
 * The store's guardrails and review rules that can never match. The API and `policy apply` refuse
 * such patterns, but rules stored before they did still load and would run as active while they
 * never fire; `sluice policy` names them where an admin reads its output.
 */
export async function findNeverMatchingRules(db: DbClient): Promise<NeverMatchingRule[]> {
  const connection = { select: { name: true } } as const;
  // One after the other: `db` may be a transaction's client (policy apply's), one connection.
  const guardrails = await db.guardrailRule.findMany({
    where: { kind: { in: ["TABLE", "COLUMN"] } },
    orderBy: [{ connectionId: "asc" }, { name: "asc" }],
    include: { connection },
  });
  const reviews = await db.reviewRule.findMany({
    orderBy: [{ connectionId: "asc" }, { name: "asc" }],
    include: { connection },
  });
  const found: NeverMatchingRule[] = [];
  for (const rule of guardrails) {
    const problem = guardrailPatternProblem(rule.kind, rule.match);
    if (problem)
      found.push({
        rule: "guardrail",
        name: rule.name,
        connection: rule.connection?.name ?? null,
        ...problem,
      });
  }
  for (const rule of reviews) {
    const problem = reviewPatternProblem(rule.match);
    if (problem)
      found.push({
        rule: "review rule",
        name: rule.name,
        connection: rule.connection?.name ?? null,
        ...problem,
      });
  }
  return found;
}

/** One line for people: which rule, where, and why it never fires. */
export function describeNeverMatchingRule(rule: NeverMatchingRule): string {
  const where = rule.connection === null ? "every connection" : `connection ${rule.connection}`;
  return `${rule.rule} ${rule.name} (${where}) never fires: match.${rule.field}: ${rule.message}`;
}
