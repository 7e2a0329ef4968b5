import type { NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { env } from "@/server/env";
import { identityProviderLogoutUrl } from "@/server/idp-logout";

/**
 * The first half of signing out: where the browser goes to end the IdP session too (OIDC
 * RP-initiated logout or SAML single logout), read from the session cookie before next-auth clears
 * it. Same-origin only, like every cookie-authenticated change.
 */
export async function POST(request: NextRequest) {
  const config = env();
  if (request.headers.get("origin") !== config.origin) {
    return Response.json({ error: "cross-site request refused" }, { status: 403 });
  }
  const token = await getToken({ req: request, secret: config.NEXTAUTH_SECRET });
  const url = token ? await identityProviderLogoutUrl(token).catch(() => null) : null;
  return Response.json({ identityProviderLogoutUrl: url });
}
