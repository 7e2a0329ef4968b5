import type { PrismaClient } from "@sluice/db/prisma";
import type { LoginRefusal } from "@sluice/session/session-start";

/** A call or login refused before it became a session: who it said it was, where to, and why. */
export type RefusedAttempt = {
  path: "http" | "mcp" | "postgres" | "mysql";
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
  /**
   * Precisely why, for admins only, when the client's message is deliberately vaguer (a workload
   * token's refusal reads the same whatever is wrong with it). Absent: the message says it all.
   */
  reason?: string;
};

/** A name as the console shows names; anything else (a token pasted as a user name) is not kept. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Writes refused attempts where the console looks for sessions and audit: a session row that starts
 * and ends at once (`refusal` set to the precise reason, one denial, no recording) and a
 * `connection.refused` audit event holding both the client's words and the reason.
 * Off the request path: the refusal is answered whether or not the store takes the row. Attempts
 * the failed-login limit answers (429) are not written, so guessing costs the store nothing more.
 */
export function createRefusedAttempts(prisma: PrismaClient, gatewayId: string, log: (line: string) => void) {
  return (attempt: RefusedAttempt): void => {
    const claimedAgent = keptName(attempt.claimedAgent);
    const claimedConnection = keptName(attempt.claimedConnection);
    const why = attempt.reason ?? attempt.message;
    const reason = `refused (${attempt.rule}): ${why}`;
    const now = new Date();
    void prisma
      .$transaction(async (db) => {
        const session = await db.gatewaySession.create({
          data: {
            agentId: attempt.agentId,
            connectionId: attempt.connectionId,
            claimedAgent,
            claimedConnection,
            refusal: why,
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
              ...(attempt.reason ? { reason: attempt.reason } : {}),
              connection: claimedConnection,
              clientAddress: attempt.clientAddress,
              path: attempt.path,
            },
          },
        });
      })
      .catch((error: unknown) =>
        log(`[${attempt.path}] could not record a refused attempt: ${String(error)}`),
      );
  };
}

/** A wire login's refusal (Postgres, MySQL) as a refused attempt. */
export function refusedLogin(refusal: LoginRefusal): RefusedAttempt {
  return {
    path: refusal.path,
    // As the HTTP path writes a failed sign-in: the name the client gave, not an agent it proved.
    agentId: null,
    claimedAgent: refusal.agentName,
    connectionId: null,
    claimedConnection: refusal.connectionName,
    clientAddress: refusal.clientAddress,
    isTls: refusal.isTls,
    rule: "sluice:auth",
    message: refusal.clientMessage,
    reason: refusal.reason,
  };
}

function keptName(name: string | null): string | null {
  return name !== null && NAME_PATTERN.test(name) ? name : null;
}
