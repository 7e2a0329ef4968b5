import type { PrismaClient } from "@sluice/db/prisma";

/** An HTTP call refused before it became a session: who it said it was, where to, and why. */
export type RefusedAttempt = {
  /** Known when the agent authenticated (access refused) ; null otherwise. */
  agentId: string | null;
  /** The agent name the client gave (basic auth, or the authenticated agent's); never a token. */
  claimedAgent: string | null;
  connectionId: string | null;
  claimedConnection: string | null;
  clientAddress: string;
  isTls: boolean;
  /** The refusal's rule and message, as the client got them. */
  rule: string;
  message: string;
};

/** A name as the console shows names; anything else (a token pasted as a user name) is not kept. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Writes refused attempts where the console looks for sessions and audit: a session row that starts
 * and ends at once (`refusal` set, one denial, no recording) and a `connection.refused` audit event.
 * Off the request path: the refusal is answered whether or not the store takes the row. Attempts
 * the failed-login limit answers (429) are not written, so guessing costs the store nothing more.
 */
export function createRefusedAttempts(prisma: PrismaClient, gatewayId: string, log: (line: string) => void) {
  return (attempt: RefusedAttempt): void => {
    const claimedAgent = keptName(attempt.claimedAgent);
    const claimedConnection = keptName(attempt.claimedConnection);
    const reason = `refused (${attempt.rule}): ${attempt.message}`;
    const now = new Date();
    void prisma
      .$transaction(async (db) => {
        const session = await db.gatewaySession.create({
          data: {
            agentId: attempt.agentId,
            connectionId: attempt.connectionId,
            claimedAgent,
            claimedConnection,
            refusal: attempt.message,
            gatewayId,
            clientAddress: attempt.clientAddress,
            isTls: attempt.isTls,
            agentGroups: [],
            startedAt: now,
            endedAt: now,
            endReason: reason,
            deniedCount: 1,
            tablesTouched: [],
          },
        });
        await db.auditEvent.create({
          data: {
            actorType: "AGENT",
            ...(attempt.agentId ? { actorId: attempt.agentId } : {}),
            actorName: claimedAgent ?? "(no agent named)",
            action: "connection.refused",
            sessionId: session.id,
            metadata: {
              rule: attempt.rule,
              message: attempt.message,
              connection: claimedConnection,
              clientAddress: attempt.clientAddress,
              path: "http",
            },
          },
        });
      })
      .catch((error: unknown) => log(`[http] could not record a refused attempt: ${String(error)}`));
  };
}

function keptName(name: string | null): string | null {
  return name !== null && NAME_PATTERN.test(name) ? name : null;
}
