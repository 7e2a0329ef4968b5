import type { Difference } from "./compare-modes";
import type { TestOutcome } from "./parse-suite-output";

/** Runs the tests again in one mode ("direct" or a Sluice mode's name): their new outcomes. */
export type Rerun = (mode: string, ids: readonly string[]) => Promise<TestOutcome[]>;

/**
 * A difference outside the allowlist counts as a fault of the gateway only when it happens again:
 * the tests are run once more directly and through the mode that failed them, and a test that now
 * passes through Sluice, or now fails directly too, is a suite test bound by wall-clock time (its
 * 1 s connect timeouts, 5 s test limits, 100 ms query timeouts) on a loaded machine. Such a
 * difference stays in the report, classified as not reproduced, with what the rerun saw; nothing
 * in the allowlist changes.
 */
export async function confirmDifferences(differences: Difference[], rerun: Rerun): Promise<Difference[]> {
  const unexpectedByMode = new Map<string, string[]>();
  for (const d of differences) {
    if (d.expected === null) unexpectedByMode.set(d.mode, [...(unexpectedByMode.get(d.mode) ?? []), d.id]);
  }
  const verdicts = new Map<string, string>();
  for (const [mode, ids] of unexpectedByMode) {
    const direct = outcomesById(await rerun("direct", ids));
    const through = outcomesById(await rerun(mode, ids));
    for (const id of ids) {
      const seen =
        through.get(id)?.isPassed === true
          ? "it passed through Sluice"
          : direct.get(id)?.isPassed !== true
            ? "it failed directly too"
            : null;
      if (seen) verdicts.set(`${mode}\u0000${id}`, `Not reproduced: on a rerun ${seen} (timing under load)`);
    }
  }
  return differences.map((d) => {
    const verdict = d.expected === null ? verdicts.get(`${d.mode}\u0000${d.id}`) : undefined;
    return verdict ? { ...d, expected: verdict } : d;
  });
}

function outcomesById(outcomes: TestOutcome[]): Map<string, TestOutcome> {
  return new Map(outcomes.map((outcome) => [outcome.id, outcome]));
}
