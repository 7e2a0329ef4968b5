import { generateAgentToken, tokenFingerprint } from "@sluice/secrets/agent-token";
import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import type { DbClient } from "../prisma";

/**
 * Issues a new token for an agent. Only its SCRAM-SHA-256 verifier is stored; the token is
 * returned once, to be shown to the person who asked for it.
 */
export async function issueAgentCredential(prisma: DbClient, agentId: string, expiresAt?: Date) {
  const token = generateAgentToken();
  const credential = await prisma.agentCredential.create({
    data: {
      agentId,
      scramVerifier: createScramVerifier(token),
      fingerprint: tokenFingerprint(token),
      expiresAt: expiresAt ?? null,
    },
  });
  return { token, credential };
}
