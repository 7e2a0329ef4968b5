import { serviceProviderMetadata } from "@sluice/identity/saml/saml-sp-messages";
import { isSamlConfigured, serviceProvider } from "@/server/saml";

/** The console's SAML SP metadata, for the IdP administrator (its URL is also the SP's entity ID). */
export async function GET() {
  const sp = isSamlConfigured() ? serviceProvider() : null;
  if (!sp) return new Response("SAML sign-in is not configured", { status: 404 });
  return new Response(serviceProviderMetadata(sp), {
    headers: { "content-type": "application/samlmetadata+xml; charset=utf-8" },
  });
}
