import { isSuccessfulLogoutResponse } from "@sluice/identity/saml/saml-sp-messages";
import { NextResponse } from "next/server";
import { env } from "@/server/env";
import { consoleSaml } from "@/server/saml";

/**
 * Single Logout endpoint: the IdP's LogoutResponse arrives here (HTTP-Redirect) after the console
 * session was already ended; it only decides which sentence the sign-in page shows.
 */
export async function GET(request: Request) {
  const url = new URL(request.url);
  if (url.searchParams.has("SAMLRequest")) {
    // An IdP-initiated logout would need the console to end a session it cannot see from here
    // (sessions are stateless cookies); say so rather than pretend it happened.
    return new Response(
      "Sluice does not support logout started by the identity provider yet: sign out in the Sluice console.",
      { status: 501, headers: { "content-type": "text/plain; charset=utf-8" } },
    );
  }
  const saml = await consoleSaml().catch(() => null);
  const isIdpSignedOut =
    saml !== null &&
    (await isSuccessfulLogoutResponse(saml.sp, saml.idp, url.searchParams, url.search.replace(/^\?/, "")));
  return NextResponse.redirect(
    new URL(`/sign-in?signedOut=${isIdpSignedOut ? "idp" : "console"}`, env().origin),
    303,
  );
}
