import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-lg flex-col justify-center gap-3 px-6">
      <p className="text-sm font-medium text-red-700">403 · Forbidden</p>
      <h1 className="text-2xl font-semibold">Your roles do not include this page</h1>
      <p className="text-slate-600">
        Roles come from your identity provider&apos;s groups. Ask an admin to map one of your groups to the
        role this page needs, then sign in again.
      </p>
      <Link href="/dashboard" className="text-sky-700 underline">
        Back to the dashboard
      </Link>
    </main>
  );
}
