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
  const saml = await consoleSaml().catch(() => null);
  const isIdpSignedOut =
    saml !== null &&
    (await isSuccessfulLogoutResponse(saml.sp, saml.idp, url.searchParams, url.search.replace(/^\?/, "")));
  return NextResponse.redirect(
    new URL(`/sign-in?signedOut=${isIdpSignedOut ? "idp" : "console"}`, env().origin),
    303,
  );
}
