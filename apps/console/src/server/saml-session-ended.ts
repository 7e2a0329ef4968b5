import { isSamlSessionEnded } from "@sluice/admin/saml-logout";
import type { SamlSessionClaims } from "@sluice/admin/saml-sign-in";
import type { JWT } from "next-auth/jwt";
import { db } from "./db";

/**
 * Whether the IdP ended this SAML session (IdP-initiated logout) after it signed in. The session is
 * a cookie the console cannot delete from another browser, so every read of it asks the store.
 */
export async function isEndedByIdp(token: JWT | null): Promise<boolean> {
  if (token?.signedInWith !== "saml") return false;
  const saml = token.saml as SamlSessionClaims | undefined;
  const signedInAt = typeof token.samlSignedInAt === "number" ? token.samlSignedInAt : null;
  // A SAML session without what logout is matched on predates this check: treat it as ended.
  if (!saml?.issuer || signedInAt === null) return true;
  return isSamlSessionEnded(db(), {
    issuer: saml.issuer,
    nameId: saml.nameId,
    sessionIndex: saml.sessionIndex,
    signedInAt: new Date(signedInAt),
  });
}
