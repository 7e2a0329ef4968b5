import { Badge } from "./ui";

/**
 * Under a stored rule whose table or column patterns can never match (`neverMatches`, from the
 * list's view): such a rule, saved before the API refused the pattern, loads and is listed as
 * active while it never fires, so the list says why and what to do, where the admin looks.
 */
export function NeverMatchesNote({ why, noun }: { why: string | null; noun: string }) {
  if (!why) return null;
  return (
    <p className="mt-1 font-sans text-xs text-amber-900" data-testid="never-matches">
      <Badge tone="amber">never fires</Badge> {why}. Edit the pattern or delete the {noun}.
    </p>
  );
}
