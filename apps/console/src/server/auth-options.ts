import { recordSignIn } from "@sluice/admin/users";
import type { NextAuthOptions } from "next-auth";
import { db } from "./db";
import { env } from "./env";

/** Console sessions are short: roles are re-derived from IdP groups at each sign-in. */
const SESSION_MAX_AGE_SECONDS = 8 * 3600;

type OidcProfile = { sub: string; email?: string; name?: string; [claim: string]: unknown };

/**
 * next-auth with one OpenID Connect provider: the local `oidc-provider` in the embedded default and
 * tests, the organisation's IdP in production. Code flow with PKCE and state; the session is an
 * encrypted JWT cookie holding only the user id — roles are read from the store on every request.
 */
export function authOptions(): NextAuthOptions {
  const config = env();
  return {
    secret: config.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      {
        id: "oidc",
        name: "single sign-on",
        type: "oauth",
        wellKnown: `${config.OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
        clientId: config.OIDC_CLIENT_ID,
        clientSecret: config.OIDC_CLIENT_SECRET,
        authorization: { params: { scope: config.OIDC_SCOPE } },
        checks: ["pkce", "state"],
        // The ID token is validated (signature, issuer, audience, expiry); groups are read from it
        // when the IdP puts them there, else from userinfo (see signIn below).
        idToken: true,
        profile: (profile: OidcProfile) => ({
          id: profile.sub,
          email: profile.email ?? null,
          name: profile.name ?? null,
        }),
      },
    ],
    callbacks: {
      async signIn({ profile, account }) {
        if (!profile || !account) return false;
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
      async jwt({ token, profile }) {
        if (profile) {
          const user = await db().user.findUnique({
            where: { issuer_subject: { issuer: config.OIDC_ISSUER, subject: (profile as OidcProfile).sub } },
            select: { id: true },
          });
          token.userId = user?.id;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, userId: token.userId };
      },
    },
  };
}

/** The IdP's userinfo for an access token, from its discovery document. */
async function fetchUserinfo(accessToken: string): Promise<Record<string, unknown>> {
  const issuer = env().OIDC_ISSUER.replace(/\/$/, "");
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    userinfo_endpoint?: string;
  };
  if (!discovery.userinfo_endpoint) return {};
  const response = await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return response.ok ? ((await response.json()) as Record<string, unknown>) : {};
}
