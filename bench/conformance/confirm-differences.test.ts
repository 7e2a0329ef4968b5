import { describe, expect, it } from "vitest";
import type { Difference } from "./compare-modes";
import { confirmDifferences, type Rerun } from "./confirm-differences";
import type { TestOutcome } from "./parse-suite-output";

const TLS = "Sluice, TLS";
const difference = (id: string, expected: string | null = null): Difference => ({
  mode: TLS,
  id,
  error: "timeout",
  expected,
});

/** A rerun that reports, per mode, the tests listed as passing; every other asked-for test fails. */
function rerunWith(passing: Record<string, string[]>) {
  const asked: Array<{ mode: string; ids: readonly string[] }> = [];
  const rerun: Rerun = async (mode, ids) => {
    asked.push({ mode, ids });
    return ids.map((id): TestOutcome => ({ id, isPassed: passing[mode]?.includes(id) ?? false, error: "" }));
  };
  return { rerun, asked };
}

describe("confirming differences outside the allowlist", () => {
  it("keeps a difference that happens again: passes directly, fails through Sluice", async () => {
    const { rerun } = rerunWith({ direct: ["a: fault"] });
    const [confirmed] = await confirmDifferences([difference("a: fault")], rerun);
    expect(confirmed?.expected).toBeNull();
  });

  it("classifies one that passes through Sluice, or fails directly, on the rerun", async () => {
    const { rerun } = rerunWith({ direct: ["a: slow"], [TLS]: ["a: slow"] });
    const [passedAgain, failedDirectly] = await confirmDifferences(
      [difference("a: slow"), difference("b: flaky")],
      rerun,
    );
    expect(passedAgain?.expected).toBe(
      "Not reproduced: on a rerun it passed through Sluice (timing under load)",
    );
    expect(failedDirectly?.expected).toBe(
      "Not reproduced: on a rerun it failed directly too (timing under load)",
    );
  });

  it("reruns only what the allowlist does not explain, and leaves allowlisted ones as they are", async () => {
    const { rerun, asked } = rerunWith({});
    const result = await confirmDifferences(
      [difference("c: refused", "DO blocks"), difference("d: new")],
      rerun,
    );
    expect(asked).toEqual([
      { mode: "direct", ids: ["d: new"] },
      { mode: TLS, ids: ["d: new"] },
    ]);
    expect(result.map((d) => d.expected)).toEqual([
      "DO blocks",
      "Not reproduced: on a rerun it failed directly too (timing under load)",
    ]);
    expect(await confirmDifferences([difference("e: x", "why")], rerun)).toHaveLength(1);
    expect(asked).toHaveLength(2);
  });
});
