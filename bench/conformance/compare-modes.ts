import type { TestOutcome } from "./parse-suite-output";

/** One expected difference: a test id and why Sluice answers it differently, on purpose. */
export type ExpectedDifference = { id: string; reason: string };
export type Difference = { mode: string; id: string; error: string; expected: string | null };

/**
 * Tests that pass directly but not through a Sluice mode (failed, or never reached because an
 * earlier test in the file stopped the runner), each matched against the allowlist.
 */
export function compareModes(
  direct: TestOutcome[],
  modes: { name: string; outcomes: TestOutcome[] }[],
  allowlist: ExpectedDifference[],
): Difference[] {
  const reasons = new Map(allowlist.map((entry) => [entry.id, entry.reason]));
  const differences: Difference[] = [];
  for (const mode of modes) {
    const seen = new Map(mode.outcomes.map((outcome) => [outcome.id, outcome]));
    for (const outcome of direct.filter((o) => o.isPassed)) {
      const other = seen.get(outcome.id);
      if (other?.isPassed) continue;
      const error = other
        ? other.error
        : "no result line: the file stopped before or during this test (see its whole-file row)";
      differences.push({ mode: mode.name, id: outcome.id, error, expected: reasons.get(outcome.id) ?? null });
    }
  }
  return differences;
}
