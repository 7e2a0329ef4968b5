/** Shown while a console page's server part loads, so a slow navigation is visibly under way. */
export default function Loading() {
  return (
    <output
      aria-live="polite"
      className="flex items-center gap-2 text-sm text-slate-600"
      data-testid="page-loading"
    >
      <span className="h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-slate-700" />
      Loading…
    </output>
  );
}
