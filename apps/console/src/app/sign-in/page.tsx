import { redirect } from "next/navigation";
import { currentActor } from "@/server/actor";
import { landingPath } from "@/server/landing-path";
import { SignInButton } from "./sign-in-button";

export const metadata = { title: "Sign in · Sluice" };

/** next-auth's error codes, in words a person can act on. */
const ERRORS: Record<string, string> = {
  AccessDenied:
    "Your identity provider signed you in, but none of your groups grants a Sluice role (or your account is disabled). Ask an admin to map one of your groups.",
  OAuthCallback: "The sign-in did not complete. Try again.",
  OAuthSignin: "The identity provider could not be reached. Try again in a moment.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; callbackUrl?: string }>;
}) {
  const actor = await currentActor();
  if (actor) redirect(landingPath(actor));
  const { error, callbackUrl } = await searchParams;
  const message = error ? (ERRORS[error] ?? "Sign-in failed. Try again.") : null;
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
      <SignInButton callbackUrl={target} />
    </main>
  );
}
