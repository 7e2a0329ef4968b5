import { acceptSamlAssertion } from "@sluice/admin/saml-sign-in";
import { verifySamlResponse } from "@sluice/identity/saml/saml-response";
import { MAX_SAML_RESPONSE_BYTES } from "@sluice/identity/saml/saml-settings";
import { SamlRejection } from "@sluice/identity/saml/saml-xml";
import { NextResponse } from "next/server";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { consoleSaml } from "@/server/saml";

/**
 * Assertion Consumer Service (HTTP-POST binding). The IdP's page posts here cross-site, so no
 * console cookie arrives: the response is verified and accepted against its outstanding request,
 * then the browser continues with a GET to /sign-in/saml, where its binding cookie completes it.
 * Every refusal is logged with its reason; the person sees one generic message.
 */
export async function POST(request: Request) {
  const origin = env().origin;
  const fail = (reason: string) => {
    console.error(`SAML sign-in refused: ${reason}`);
    return NextResponse.redirect(new URL("/sign-in?error=SamlRejected", origin), 303);
  };
  let saml: Awaited<ReturnType<typeof consoleSaml>>;
  try {
    saml = await consoleSaml();
  } catch (error) {
    return fail(`the IdP metadata could not be read (${String(error)})`);
  }
  if (!saml) return new Response("SAML sign-in is not configured", { status: 404 });
  // A sign-in form is one base64 field of at most MAX_SAML_RESPONSE_BYTES; refuse larger bodies unread.
  const length = Number(request.headers.get("content-length") ?? "NaN");
  if (!Number.isFinite(length) || length > MAX_SAML_RESPONSE_BYTES * 2)
    return fail("the posted form is too large or unsized");
  const form = await request.formData().catch(() => null);
  const samlResponse = form?.get("SAMLResponse");
  if (typeof samlResponse !== "string") return fail("no SAMLResponse in the posted form");
  try {
    const verified = await verifySamlResponse({ ...saml, samlResponse });
    const { requestId, callbackUrl } = await acceptSamlAssertion(db(), verified);
    const next = new URL("/sign-in/saml", origin);
    next.searchParams.set("request", requestId);
    next.searchParams.set("callbackUrl", callbackUrl);
    return NextResponse.redirect(next, 303);
  } catch (error) {
    if (error instanceof SamlRejection) return fail(error.message);
    throw error;
  }
}
