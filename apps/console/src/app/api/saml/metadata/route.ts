import { serviceProviderMetadata } from "@sluice/identity/saml/saml-sp-messages";
import { serviceProvider } from "@/server/saml";

/**
 * The console's SAML SP metadata, for the IdP administrator (its URL is also the SP's entity ID).
 * Served whenever the console has its signing key, before any IdP is known: registering the SP at
 * the IdP comes first, and only then is there IdP metadata to paste into the console.
 */
export async function GET() {
  const sp = serviceProvider();
  if (!sp) return new Response("SAML sign-in is not configured", { status: 404 });
  return new Response(serviceProviderMetadata(sp), {
    headers: { "content-type": "application/samlmetadata+xml; charset=utf-8" },
  });
}
