import { randomBytes } from "node:crypto";
import { beginSamlSignIn, SAML_SIGN_IN_TTL_MS } from "@sluice/admin/saml-sign-in";
import { authnRequestUrl, newSamlId } from "@sluice/identity/saml/saml-sp-messages";
import { NextResponse } from "next/server";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { consoleSaml, SAML_BINDING_COOKIE } from "@/server/saml";

/**
 * Starts a SAML sign-in: records the AuthnRequest, binds it to this browser with a fresh random
 * cookie, and sends the browser to the IdP with the signed request (HTTP-Redirect binding).
 */
export async function GET(request: Request) {
  const config = env();
  const saml = await consoleSaml().catch((error: unknown) => {
    console.error(`SAML sign-in: the IdP metadata could not be read: ${String(error)}`);
    return null;
  });
  if (!saml) return NextResponse.redirect(new URL("/sign-in?error=SamlUnavailable", config.origin), 303);
  const asked = new URL(request.url).searchParams.get("callbackUrl") ?? "/";
  // Same-origin paths only; a backslash is read as a slash by browsers ("/\\evil.example").
  const callbackUrl = asked.startsWith("/") && !asked.startsWith("//") && !asked.includes("\\") ? asked : "/";
  const requestId = newSamlId();
  const binding = randomBytes(32).toString("base64url");
  await beginSamlSignIn(db(), { requestId, binding, callbackUrl });
  const response = NextResponse.redirect(await authnRequestUrl(saml.sp, saml.idp, requestId), 303);
  response.cookies.set(SAML_BINDING_COOKIE, binding, {
    httpOnly: true,
    // Lax: sent on the top-level GET that follows the IdP's POST, never on the cross-site POST itself.
    sameSite: "lax",
    secure: config.origin.startsWith("https:"),
    path: "/",
    maxAge: SAML_SIGN_IN_TTL_MS / 1000,
  });
  return response;
}
