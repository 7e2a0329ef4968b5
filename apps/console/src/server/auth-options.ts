import { completeSamlSignIn, type SamlSessionClaims } from "@sluice/admin/saml-sign-in";
import { recordSignIn } from "@sluice/admin/users";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { db } from "./db";
import { env } from "./env";
import { cookieValue, SAML_BINDING_COOKIE } from "./saml";
import { isEndedByIdp } from "./saml-session-ended";

/** Console sessions are short: roles are re-derived from IdP groups at each sign-in. */
const SESSION_MAX_AGE_SECONDS = 8 * 3600;

type OidcProfile = { sub: string; email?: string; name?: string; [claim: string]: unknown };
type SamlUser = { id: string; email: string; name: string | null; saml: SamlSessionClaims };

/**
 * next-auth with the organisation's IdP over OpenID Connect, SAML, or both (the local
 * `oidc-provider` and samlify IdP in the embedded default and tests). Either way the session is an
 * encrypted JWT cookie holding the user id — roles are read from the store on every request — and
 * what the IdP needs to end its own session at sign-out (the ID token, or the SAML NameID and
 * session index).
 */
export function authOptions(): NextAuthOptions {
  const config = env();
  return {
    secret: config.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      ...(config.OIDC_ISSUER ? [oidcProvider()] : []),
      ...(config.SAML_IDP_METADATA_URL ? [samlProvider()] : []),
    ],
    callbacks: {
      async signIn({ profile, account }) {
        // SAML was decided in `authorize` (only a user it returned gets here).
        if (account?.provider === "saml") return true;
        if (!profile || !account || !config.OIDC_ISSUER) return false;
        const claims = profile as OidcProfile;
        const groups =
          claims[config.OIDC_GROUPS_CLAIM] ??
          (account.access_token
            ? (await fetchUserinfo(account.access_token))[config.OIDC_GROUPS_CLAIM]
            : undefined);
        const user = await recordSignIn(db(), {
          issuer: config.OIDC_ISSUER,
          subject: claims.sub,
          email: claims.email ?? claims.sub,
          name: claims.name ?? null,
          groups,
        });
        return user !== null;
      },
      async jwt({ token, profile, account, user }) {
        if (account?.provider === "saml" && user) {
          token.userId = user.id;
          token.signedInWith = "saml";
          token.saml = (user as unknown as SamlUser).saml;
          // When it signed in: an IdP-initiated logout ends the sessions that began before it.
          token.samlSignedInAt = Date.now();
        } else if (account?.provider === "oidc" && profile && config.OIDC_ISSUER) {
          const row = await db().user.findUnique({
            where: { issuer_subject: { issuer: config.OIDC_ISSUER, subject: (profile as OidcProfile).sub } },
            select: { id: true },
          });
          token.userId = row?.id;
          token.signedInWith = "oidc";
          // Kept (inside the encrypted cookie) as the id_token_hint for RP-initiated logout.
          token.idToken = account.id_token;
        }
        return token;
      },
      async session({ session, token }) {
        // A session the IdP ended (SAML Single Logout) carries no user: the console signs in again.
        if (await isEndedByIdp(token)) return { ...session, userId: undefined };
        return { ...session, userId: token.userId };
      },
    },
  };
}

function oidcProvider(): OAuthConfig<OidcProfile> {
  const config = env();
  return {
    id: "oidc",
    name: "single sign-on",
    type: "oauth",
    wellKnown: `${(config.OIDC_ISSUER ?? "").replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: config.OIDC_CLIENT_ID,
    clientSecret: config.OIDC_CLIENT_SECRET,
    authorization: { params: { scope: config.OIDC_SCOPE } },
    checks: ["pkce", "state"],
    // The ID token is validated (signature, issuer, audience, expiry); groups are read from it
    // when the IdP puts them there, else from userinfo (see signIn above).
    idToken: true,
    profile: (profile: OidcProfile) => ({
      id: profile.sub,
      email: profile.email ?? null,
      name: profile.name ?? null,
    }),
  };
}

/**
 * SAML completes through next-auth's credentials flow: by the time the browser gets here the ACS
 * has verified the assertion and stored its identity under the request ID; `authorize` redeems it,
 * once, only with the binding cookie of the browser that started the sign-in.
 */
function samlProvider() {
  return CredentialsProvider({
    id: "saml",
    name: "SAML",
    credentials: { requestId: { label: "request", type: "text" } },
    async authorize(credentials, request) {
      const requestId = credentials?.requestId;
      const headers = request?.headers as Record<string, string | undefined> | undefined;
      const binding = cookieValue(headers?.cookie, SAML_BINDING_COOKIE);
      if (!requestId || !binding) return null;
      const result = await completeSamlSignIn(db(), { requestId, binding });
      if ("failure" in result) return null;
      const user: SamlUser = { ...result.user, saml: result.session };
      return user as never;
    },
  });
}

/** The IdP's userinfo for an access token, from its discovery document. */
async function fetchUserinfo(accessToken: string): Promise<Record<string, unknown>> {
  const issuer = (env().OIDC_ISSUER ?? "").replace(/\/$/, "");
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    userinfo_endpoint?: string;
  };
  if (!discovery.userinfo_endpoint) return {};
  const response = await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return response.ok ? ((await response.json()) as Record<string, unknown>) : {};
}
