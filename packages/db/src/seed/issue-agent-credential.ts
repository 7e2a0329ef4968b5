import { generateAgentToken, tokenFingerprint } from "@sluice/secrets/agent-token";
import { createScramVerifier, scramSaltOf } from "@sluice/secrets/scram-verifier";
import type { DbClient } from "../prisma";

/**
 * Issues a new token for an agent. Only its SCRAM-SHA-256 verifier is stored; the token is
 * returned once, to be shown to the person who asked for it.
 *
 * Every token of an agent shares one salt: a SCRAM exchange announces the salt before the client
 * proves anything, so the gateway can accept any live token of the agent (during a rotation's grace
 * window, or after "issue token" without rotating) only if they all share it. Tokens are random,
 * so a shared salt gives an attacker nothing.
 */
export async function issueAgentCredential(prisma: DbClient, agentId: string, expiresAt?: Date) {
  const token = generateAgentToken();
  const sibling = await prisma.agentCredential.findFirst({
    where: { agentId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
    orderBy: { createdAt: "desc" },
    select: { scramVerifier: true },
  });
  const shared = sibling ? scramSaltOf(sibling.scramVerifier) : null;
  const credential = await prisma.agentCredential.create({
    data: {
      agentId,
      scramVerifier: shared
        ? createScramVerifier(token, shared.salt, shared.iterations)
        : createScramVerifier(token),
      fingerprint: tokenFingerprint(token),
      expiresAt: expiresAt ?? null,
    },
  });
  return { token, credential };
}
