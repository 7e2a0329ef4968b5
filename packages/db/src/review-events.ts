import { createHash } from "node:crypto";
import type { DbClient } from "./prisma";

/** The channel gateways LISTEN on for review decisions; the payload is the review id. */
export const REVIEW_CHANNEL = "sluice_review";

/**
 * Called in the transaction that decides a review, so every gateway hears of it once the decision
 * is committed; the one holding the statement releases or refuses it.
 */
export async function notifyReviewDecided(db: DbClient, reviewId: string): Promise<void> {
  await db.$executeRawUnsafe(`SELECT pg_notify('${REVIEW_CHANNEL}', $1)`, reviewId);
}

/** Identifies "the exact same statement" for approve-once grants and non-blocking retries. */
export function statementHash(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}
