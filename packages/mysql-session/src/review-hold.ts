import type { Verdict } from "@sluice/policy/verdict";

/**
 * The statement of a session waiting for a reviewer, and the session's end: a client that leaves
 * while its statement is held withdraws it (abandoned, as on the Postgres path), so no reviewer
 * approves a statement nobody will run and the review does not read as executed; a hold that comes
 * after the end (its review was still being written) is withdrawn as it comes.
 */
export class ReviewHold {
  private held: { withdraw?: (reason: string) => void } | null = null;
  private endedBecause: string | null = null;

  end(reason: string): void {
    this.endedBecause ??= reason;
    this.held?.withdraw?.(reason);
  }

  /** Waits out holds until a final verdict; `onHold` sees each hold first (it is recorded). */
  async released(
    decided: Verdict,
    onHold: (hold: Extract<Verdict, { kind: "hold" }>) => void,
  ): Promise<Exclude<Verdict, { kind: "hold" }>> {
    let verdict = decided;
    while (verdict.kind === "hold") {
      onHold(verdict);
      this.held = verdict;
      if (this.endedBecause !== null) verdict.withdraw?.(this.endedBecause);
      try {
        verdict = await verdict.release;
      } finally {
        this.held = null;
      }
    }
    return verdict;
  }
}
