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

  /**
   * Waits out holds until a final verdict; `onHold` sees each hold first (it is recorded). An
   * approval is judged again (`judgeAgain`, told what was approved) before it runs: the catalog may
   * have moved while the reviewer read it (another connection replaced the table by a view over a
   * denied column: `mysql-bypass-approved-relation-swap.int.test.ts`), and MySQL has no catalog
   * version to tell. The decision point runs it on the approval only if it still means what was
   * approved (approval-basis.ts); otherwise it is refused, or held for a new review.
   */
  async released(
    decided: Verdict,
    onHold: (hold: Extract<Verdict, { kind: "hold" }>) => void,
    judgeAgain?: (approved: { as: string; note: string }) => Verdict | Promise<Verdict>,
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
      if (judgeAgain && verdict.kind === "allow" && verdict.approvedAs !== undefined) {
        const approval = verdict;
        const again = await judgeAgain({
          as: approval.approvedAs as string,
          note: approval.note ?? "approved",
        });
        // Unchanged: the approval runs as the reviewer gave it (its note is what the recording shows).
        verdict = again.kind === "allow" && again.approvedAs === approval.approvedAs ? approval : again;
      }
    }
    return verdict;
  }
}
