import type { PrismaClient } from "@sluice/db/prisma";
import type { IdpLogoutRequest } from "@sluice/identity/saml/saml-idp-logout";
import { SamlRejection } from "@sluice/identity/saml/saml-xml";
import { isUniqueViolation } from "./admin-error";

/**
 * The longest a console session lives (the console's cookie max age): an ended-session record older
 * than this can no longer match a live session.
 */
export const CONSOLE_SESSION_MAX_AGE_MS = 8 * 3600_000;

/** What a console session signed in with SAML keeps, to be matched against the IdP's logouts. */
export type SamlConsoleSession = {
  issuer: string;
  nameId: string;
  sessionIndex: string | null;
  signedInAt: Date;
};

/**
 * Ends the console sessions an IdP-initiated LogoutRequest names: once per request ID (a captured
 * request replayed later ends nothing more and is refused), recorded so that every console session
 * of that NameID (and SessionIndex, when the request names any) signed in before now counts as
 * signed out (`isSamlSessionEnded`). Console sessions are cookies, so this record is what ends them.
 */
export async function endSamlSessions(db: PrismaClient, request: IdpLogoutRequest, now = new Date()) {
  const expiresAt = new Date(now.getTime() + CONSOLE_SESSION_MAX_AGE_MS);
  await db.$transaction(async (tx) => {
    try {
      await tx.samlSeenAssertion.create({
        data: { issuer: request.issuer, assertionId: request.id, expiresAt: request.replayableUntil },
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new SamlRejection("replayed", `logout request ${request.id} was already used`);
      throw error;
    }
    const indexes = request.sessionIndexes.length > 0 ? request.sessionIndexes : [null];
    await tx.samlEndedSession.createMany({
      data: indexes.map((sessionIndex) => ({
        issuer: request.issuer,
        nameId: request.nameId,
        sessionIndex,
        endedAt: now,
        expiresAt,
      })),
    });
  });
  await db.samlEndedSession.deleteMany({ where: { expiresAt: { lt: now } } });
}

/** Whether the IdP ended this console session since it signed in (see `endSamlSessions`). */
export async function isSamlSessionEnded(db: PrismaClient, session: SamlConsoleSession): Promise<boolean> {
  const ended = await db.samlEndedSession.findFirst({
    where: {
      issuer: session.issuer,
      nameId: session.nameId,
      endedAt: { gte: session.signedInAt },
      OR: [{ sessionIndex: null }, ...(session.sessionIndex ? [{ sessionIndex: session.sessionIndex }] : [])],
    },
    select: { id: true },
  });
  return ended !== null;
}
