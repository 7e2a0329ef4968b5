/** The seek bar's marker colours, shared by the markers and their legend. */
export const MARKER_COLORS = { denied: "bg-red-600", held: "bg-amber-500", masked: "bg-sky-600" } as const;

const MEANINGS: Record<keyof typeof MARKER_COLORS, string> = {
  denied: "refused statement",
  held: "held for review",
  masked: "masked result",
};

export function MarkerLegend() {
  return (
    <ul
      className="mt-1 flex gap-4 text-xs text-slate-600"
      aria-label="Marker legend"
      data-testid="marker-legend"
    >
      {(Object.keys(MARKER_COLORS) as (keyof typeof MARKER_COLORS)[]).map((marker) => (
        <li key={marker} className="flex items-center gap-1">
          <span className={`inline-block h-2 w-1.5 rounded-sm ${MARKER_COLORS[marker]}`} aria-hidden="true" />
          {MEANINGS[marker]}
        </li>
      ))}
    </ul>
  );
}
