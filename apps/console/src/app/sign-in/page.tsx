export const metadata = { title: "Sign in · Sluice" };

export default function SignInPage() {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-6 px-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight">Sign in to Sluice</h1>
        <p className="mt-2 text-slate-600">
          Sluice sits between AI agents and your databases: guardrails, masking, approvals and session
          recordings. Sign in with your organisation&apos;s identity provider.
        </p>
      </div>
    </main>
  );
}
