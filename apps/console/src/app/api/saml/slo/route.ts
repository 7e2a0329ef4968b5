import { endSamlSessions } from "@sluice/admin/saml-logout";
import { idpLogoutResponseUrl, verifyIdpLogoutRequest } from "@sluice/identity/saml/saml-idp-logout";
import { isSuccessfulLogoutResponse } from "@sluice/identity/saml/saml-sp-messages";
import { SamlRejection } from "@sluice/identity/saml/saml-xml";
import { NextResponse } from "next/server";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { consoleSaml } from "@/server/saml";

/** next-auth's session cookies (plain, and `__Secure-` behind https). */
const SESSION_COOKIES = ["next-auth.session-token", "__Secure-next-auth.session-token"];

/**
 * Single Logout endpoint (HTTP-Redirect). A LogoutRequest is the IdP ending a person's sessions
 * (IdP-initiated): verified like an assertion, recorded so every console session of that NameID
 * and SessionIndex is signed out wherever its cookie lives, answered with a signed LogoutResponse.
 * A LogoutResponse answers the console's own sign-out, whose session was already ended; it only
 * decides which sentence the sign-in page shows.
 */
export async function GET(request: Request) {
  const url = new URL(request.url);
  const rawQuery = url.search.replace(/^\?/, "");
  const saml = await consoleSaml().catch(() => null);
  if (url.searchParams.has("SAMLRequest")) {
    if (!saml) return new Response("SAML is not configured", { status: 404 });
    try {
      const logout = await verifyIdpLogoutRequest({ ...saml, query: url.searchParams, rawQuery });
      await endSamlSessions(db(), logout);
      const answer = await idpLogoutResponseUrl(
        saml.sp,
        saml.idp,
        logout,
        url.searchParams.get("RelayState") ?? "",
      );
      const response = NextResponse.redirect(answer, 303);
      // This browser's own cookie goes at once; the record ends the session anywhere else.
      for (const name of SESSION_COOKIES) response.cookies.set(name, "", { path: "/", maxAge: 0 });
      return response;
    } catch (error) {
      if (!(error instanceof SamlRejection)) throw error;
      console.error(`SAML logout request refused: ${error.message}`);
      return new Response("The logout request was refused.", {
        status: 400,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
  }
  const isIdpSignedOut =
    saml !== null && (await isSuccessfulLogoutResponse(saml.sp, saml.idp, url.searchParams, rawQuery));
  return NextResponse.redirect(
    new URL(`/sign-in?signedOut=${isIdpSignedOut ? "idp" : "console"}`, env().origin),
    303,
  );
}
