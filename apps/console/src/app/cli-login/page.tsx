import { can } from "@sluice/admin/permissions";
import { API_TOKEN_HASH_PATTERN, API_TOKEN_SHOWN_PREFIX_PATTERN, loginCode } from "@sluice/secrets/api-token";
import { forbidden, redirect } from "next/navigation";
import { currentActor } from "@/server/actor";
import { TerminalLoginApproval } from "./terminal-login-approval";

export const metadata = { title: "Approve a terminal sign-in · Sluice" };

type Params = { key?: string; prefix?: string; name?: string };

/**
 * Where `sluice login` sends the person: outside the console's layout so that signing in (with
 * whatever identity provider the console uses) comes back here, link and all. The link carries only
 * the hash of the token the terminal generated; whoever is signed in decides whether it becomes
 * theirs.
 */
export default async function CliLoginPage({ searchParams }: { searchParams: Promise<Params> }) {
  const { key = "", prefix = "", name = "" } = await searchParams;
  const actor = await currentActor();
  if (!actor) {
    const back = `/cli-login?${new URLSearchParams({ key, prefix, name })}`;
    redirect(`/sign-in?callbackUrl=${encodeURIComponent(back)}`);
  }
  if (!can(actor, "tokens:own")) forbidden();
  const isValid = API_TOKEN_HASH_PATTERN.test(key) && API_TOKEN_SHOWN_PREFIX_PATTERN.test(prefix);
  return (
    <main className="mx-auto flex min-h-screen max-w-lg flex-col justify-center gap-6 px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Approve a terminal sign-in</h1>
      {isValid ? (
        <TerminalLoginApproval
          tokenHash={key}
          prefix={prefix}
          code={loginCode(key)}
          suggestedName={name.slice(0, 100) || "sluice login"}
          email={actor.name}
          roles={[...actor.roles]}
        />
      ) : (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          This link is incomplete. Run <code>sluice login</code> again and open the link it prints.
        </p>
      )}
    </main>
  );
}
