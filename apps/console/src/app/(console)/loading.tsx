/** Shown by Next.js while a console page renders on the server (a slow store, a cold start). */
export default function ConsoleLoading() {
  return (
    <div role="status" className="grid gap-4" data-testid="page-loading">
      <span className="sr-only">Loading the page</span>
      <div className="h-7 w-64 animate-pulse rounded bg-slate-200" />
      <div className="h-4 w-96 animate-pulse rounded bg-slate-100" />
      <div className="h-48 w-full animate-pulse rounded-lg bg-slate-100" />
    </div>
  );
}
