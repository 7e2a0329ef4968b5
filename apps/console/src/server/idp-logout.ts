import type { SamlSessionClaims } from "@sluice/admin/saml-sign-in";
import { logoutRequestUrl } from "@sluice/identity/saml/saml-sp-messages";
import type { JWT } from "next-auth/jwt";
import { env } from "./env";
import { consoleSaml } from "./saml";

/**
 * Where to send the browser so the IdP ends its own session, or null when it offers no way:
 * without this, "Sign in" after signing out goes straight back in on the IdP's session cookie.
 * OIDC: the provider's end_session_endpoint with the ID token as hint and the sign-in page as
 * post-logout redirect (registered with the provider). SAML: a signed LogoutRequest for the
 * NameID and session index the assertion carried.
 */
export async function identityProviderLogoutUrl(token: JWT): Promise<string | null> {
  const config = env();
  if (token.signedInWith === "saml" && token.saml) {
    const saml = await consoleSaml();
    return saml ? logoutRequestUrl(saml.sp, saml.idp, token.saml as SamlSessionClaims) : null;
  }
  if (token.signedInWith === "oidc" && config.OIDC_ISSUER) {
    const issuer = config.OIDC_ISSUER.replace(/\/$/, "");
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      end_session_endpoint?: string;
    };
    if (!discovery.end_session_endpoint) return null;
    const url = new URL(discovery.end_session_endpoint);
    if (typeof token.idToken === "string") url.searchParams.set("id_token_hint", token.idToken);
    if (config.OIDC_CLIENT_ID) url.searchParams.set("client_id", config.OIDC_CLIENT_ID);
    url.searchParams.set("post_logout_redirect_uri", `${config.origin}/sign-in`);
    return url.toString();
  }
  return null;
}
