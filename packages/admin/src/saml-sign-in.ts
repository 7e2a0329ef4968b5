import { createHash } from "node:crypto";
import type { PrismaClient } from "@sluice/db/prisma";
import type { VerifiedSamlAssertion } from "@sluice/identity/saml/saml-response";
import { SAML_CLOCK_SKEW_MS } from "@sluice/identity/saml/saml-settings";
import { SamlRejection } from "@sluice/identity/saml/saml-xml";
import { z } from "zod";
import { isUniqueViolation } from "./admin-error";
import { recordSignIn } from "./users";

/** How long a person has between pressing "Sign in with SAML" and landing back signed in. */
export const SAML_SIGN_IN_TTL_MS = 10 * 60_000;

/** What the console keeps in its session about a SAML sign-in, to ask the IdP to end it (SLO). */
export type SamlSessionClaims = {
  /** The IdP's entity ID: an IdP-initiated logout is matched on it and the NameID. */
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
};

const ZStoredClaims = z.object({
  issuer: z.string(),
  nameId: z.string(),
  nameIdFormat: z.string().nullable(),
  sessionIndex: z.string().nullable(),
  email: z.string(),
  name: z.string().nullable(),
  groups: z.array(z.string()),
});

/** The browser binding is a random cookie; only its hash is stored. */
export function bindingHash(binding: string): string {
  return createHash("sha256").update(binding).digest("hex");
}

/** Records an AuthnRequest the console is about to send, bound to the browser that asked. */
export async function beginSamlSignIn(
  db: PrismaClient,
  options: { requestId: string; binding: string; callbackUrl: string; now?: Date },
): Promise<void> {
  const now = options.now ?? new Date();
  await db.samlSignInRequest.deleteMany({ where: { expiresAt: { lt: now } } });
  await db.samlSignInRequest.create({
    data: {
      id: options.requestId,
      bindingHash: bindingHash(options.binding),
      callbackUrl: options.callbackUrl,
      expiresAt: new Date(now.getTime() + SAML_SIGN_IN_TTL_MS),
    },
  });
}

/**
 * Accepts a verified assertion at the ACS: its ID must never have been seen (kept until it expires,
 * so a captured response cannot be posted again) and it must answer a request this console sent,
 * still outstanding and not yet answered. Returns where the person was going.
 */
export async function acceptSamlAssertion(
  db: PrismaClient,
  assertion: VerifiedSamlAssertion,
  now = new Date(),
): Promise<{ requestId: string; callbackUrl: string }> {
  try {
    await db.samlSeenAssertion.create({
      data: {
        issuer: assertion.issuer,
        assertionId: assertion.assertionId,
        expiresAt: new Date(assertion.notOnOrAfter.getTime() + SAML_CLOCK_SKEW_MS),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new SamlRejection("replayed", `assertion ${assertion.assertionId} was already used`);
    throw error;
  }
  await db.samlSeenAssertion.deleteMany({ where: { expiresAt: { lt: now } } });
  const claims: z.infer<typeof ZStoredClaims> = {
    issuer: assertion.issuer,
    nameId: assertion.nameId,
    nameIdFormat: assertion.nameIdFormat,
    sessionIndex: assertion.sessionIndex,
    email: assertion.email,
    name: assertion.name,
    groups: assertion.groups,
  };
  const answered = await db.samlSignInRequest.updateMany({
    where: { id: assertion.inResponseTo, acceptedAt: null, expiresAt: { gt: now } },
    data: { claims, acceptedAt: now },
  });
  if (answered.count !== 1) {
    throw new SamlRejection("unsolicited", `no outstanding request ${assertion.inResponseTo}`);
  }
  const request = await db.samlSignInRequest.findUniqueOrThrow({ where: { id: assertion.inResponseTo } });
  return { requestId: request.id, callbackUrl: request.callbackUrl };
}

export type SamlSignInResult =
  | { user: { id: string; email: string; name: string | null }; session: SamlSessionClaims }
  | { failure: "unknown-request" | "no-role" };

/**
 * Completes a sign-in in the browser that started it: the request must have been answered, and the
 * binding cookie must be the one set when it began (an assertion posted into someone else's browser
 * signs nobody in). One use: the request is deleted. Roles come from the groups through the same
 * role mappings as OIDC (`recordSignIn`), keyed by the IdP's entity ID and the NameID.
 */
export async function completeSamlSignIn(
  db: PrismaClient,
  options: { requestId: string; binding: string; now?: Date },
): Promise<SamlSignInResult> {
  const now = options.now ?? new Date();
  const where = {
    id: options.requestId,
    bindingHash: bindingHash(options.binding),
    acceptedAt: { not: null },
    expiresAt: { gt: now },
  };
  const claims = await db.$transaction(async (tx) => {
    const request = await tx.samlSignInRequest.findFirst({ where });
    // Deleting with the same conditions makes the use single even when two tabs race.
    const deleted = await tx.samlSignInRequest.deleteMany({ where });
    return request && deleted.count === 1 ? ZStoredClaims.parse(request.claims) : null;
  });
  if (!claims) return { failure: "unknown-request" };
  const user = await recordSignIn(db, {
    issuer: claims.issuer,
    subject: claims.nameId,
    email: claims.email,
    name: claims.name,
    groups: claims.groups,
  });
  if (!user) return { failure: "no-role" };
  return {
    user: { id: user.id, email: user.email, name: user.name },
    session: {
      issuer: claims.issuer,
      nameId: claims.nameId,
      nameIdFormat: claims.nameIdFormat,
      sessionIndex: claims.sessionIndex,
    },
  };
}
