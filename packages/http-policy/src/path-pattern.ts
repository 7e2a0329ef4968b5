/**
 * Whether canonical path segments match a rule's path pattern. Segments compare without regard to
 * case: many frameworks (Express by default, ASP.NET, IIS) route `/Admin` as `/admin`, so a deny
 * rule must not be stepped around by case. One trailing slash is not significant, for the same reason.
 */
export function pathMatches(pattern: string, segments: readonly string[]): boolean {
  const parts = pattern === "/" ? [] : pattern.slice(1).replace(/\/$/, "").split("/");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === "**") return true;
    const segment = segments[i];
    if (segment === undefined) return false;
    if (part === "*" || (part.startsWith("{") && part.endsWith("}"))) continue;
    if (canonical(part) !== canonical(segment)) return false;
  }
  return parts.length === segments.length;
}

/**
 * The segments as frameworks that ignore a format suffix route them: Rails (and Spring before 5.3)
 * send `/orders/1/refund.json` to the `refund` action, IIS drops trailing dots and spaces. A deny or
 * review rule is tested against this reading too; an allow rule never is (it would widen it).
 */
export function withoutFormatSuffix(segments: readonly string[]): string[] | null {
  const last = segments.at(-1);
  if (last === undefined) return null;
  const stripped = last.replace(/(?:\.|%20)+$/i, "").replace(/\.[A-Za-z0-9]+$/, "");
  if (stripped === last || stripped === "") return null;
  return [...segments.slice(0, -1), stripped];
}

/** Unreserved escapes decoded, other escapes in one case: as normalizeTarget leaves request segments. */
function canonical(segment: string): string {
  return segment
    .replace(/%([0-9A-Fa-f]{2})/g, (escaped, hex: string) => {
      const char = String.fromCharCode(Number.parseInt(hex, 16));
      return /^[A-Za-z0-9\-._~]$/.test(char) ? char : escaped;
    })
    .toLowerCase();
}
