import { redirect } from "next/navigation";
import { secondaryButtonClass } from "@/client/ui";
import { currentActor } from "@/server/actor";
import { env } from "@/server/env";
import { landingPath } from "@/server/landing-path";
import { isSamlConfigured } from "@/server/saml";
import { SignInButton } from "./sign-in-button";

export const metadata = { title: "Sign in · Sluice" };

/** next-auth's error codes, in words a person can act on. */
const ERRORS: Record<string, string> = {
  AccessDenied:
    "Your identity provider signed you in, but none of your groups grants a Sluice role (or your account is disabled). Ask an admin to map one of your groups.",
  OAuthCallback: "The sign-in did not complete. Try again.",
  OAuthSignin: "The identity provider could not be reached. Try again in a moment.",
  CredentialsSignin:
    "The SAML sign-in could not be completed: it expired, was finished in another browser, or none of your groups grants a Sluice role. Try again, or ask an admin to map one of your groups.",
  SamlRejected: "The identity provider's SAML answer was refused (it did not pass verification). Try again.",
  SamlUnavailable: "The SAML identity provider's metadata could not be read. Try again in a moment.",
};

const SIGNED_OUT: Record<string, string> = {
  idp: "You are signed out of Sluice and of your identity provider.",
  console: "You are signed out of Sluice.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; callbackUrl?: string; signedOut?: string }>;
}) {
  const actor = await currentActor();
  if (actor) redirect(landingPath(actor));
  const { error, callbackUrl, signedOut } = await searchParams;
  const message = error ? (ERRORS[error] ?? "Sign-in failed. Try again.") : null;
  const farewell = signedOut ? (SIGNED_OUT[signedOut] ?? null) : null;
  const config = env();
  // "/" sends each person to their own landing page once their roles are known.
  const target = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/";
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-6 px-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight">Sign in to Sluice</h1>
        <p className="mt-2 text-slate-600">
          Sluice sits between AI agents and your databases: guardrails, masking, approvals and session
          recordings. Sign in with your organisation&apos;s identity provider.
        </p>
      </div>
      {message ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {message}
        </p>
      ) : null}
      {farewell ? (
        <p
          role="status"
          className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700"
        >
          {farewell}
        </p>
      ) : null}
      {config.OIDC_ISSUER ? <SignInButton callbackUrl={target} /> : null}
      {(await isSamlConfigured()) ? (
        // A plain link: the SAML request is built and signed server-side, then the IdP takes over.
        <a
          className={`${secondaryButtonClass} py-2.5 text-center text-base`}
          href={`/api/saml/login?callbackUrl=${encodeURIComponent(target)}`}
        >
          Sign in with SAML
        </a>
      ) : null}
    </main>
  );
}
