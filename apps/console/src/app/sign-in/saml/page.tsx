import { CompleteSamlSignIn } from "./complete-saml-sign-in";

export const metadata = { title: "Signing in · Sluice" };

/** Where the ACS sends the browser after accepting an assertion; the binding cookie finishes it. */
export default async function SamlSignInPage({
  searchParams,
}: {
  searchParams: Promise<{ request?: string; callbackUrl?: string }>;
}) {
  const { request, callbackUrl } = await searchParams;
  const target = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/";
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-6 px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Signing you in…</h1>
      <CompleteSamlSignIn requestId={request ?? ""} callbackUrl={target} />
    </main>
  );
}
