/**
 * What a page shows while its data streams from the server: its title at once (so the page is
 * recognisable), a status announced to screen readers, and grey blocks where the lists will be.
 */
export function PageSkeleton({ title, what }: { title: string; what: string }) {
  return (
    <div data-testid="page-skeleton">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">{title}</h1>
      <div role="status" className="grid gap-4">
        <span className="sr-only">Loading {what}</span>
        <div className="h-4 w-96 animate-pulse rounded bg-slate-200" />
        <div className="h-48 w-full animate-pulse rounded-lg bg-slate-100" />
      </div>
    </div>
  );
}
