import type { SessionDecisions, StatementRequest, Verdict } from "@sluice/policy/verdict";

/** A verdict a statement runs or is refused by: a hold is waited out first. */
export type FinalVerdict = Exclude<Verdict, { kind: "hold" }>;
type HoldVerdict = Extract<Verdict, { kind: "hold" }>;

/** What deciding a session's statement, and waiting out its review, needs from the session. */
export type ReviewHoldOptions = {
  decisions: SessionDecisions;
  /**
   * Called before each decision and at each hold: only a catalog check the decision asks for now
   * spares the masking scope its own (a hold may last while the catalog moves).
   */
  beforeDecision: () => void;
  /** Sees each hold as it comes (it is recorded before the session waits). */
  onHold?: (sql: string, held: HoldVerdict) => void;
};

/**
 * The statement of a session waiting for a reviewer, and the session's end: a client that leaves
 * while its statement is held withdraws it (abandoned, as on the Postgres path), so no reviewer
 * approves a statement nobody will run and the review does not read as executed; a hold that comes
 * after the end (its review was still being written) is withdrawn as it comes.
 */
export class ReviewHold {
  private held: { withdraw?: (reason: string) => void } | null = null;
  private endedBecause: string | null = null;

  constructor(private readonly options: ReviewHoldOptions) {}

  end(reason: string): void {
    this.endedBecause ??= reason;
    this.held?.withdraw?.(reason);
  }

  /**
   * The decision point's verdict on a statement; a held statement waits for its review (the session
   * sends nothing else meanwhile), its hold recorded first, then its release, judged again.
   */
  async decide(
    sql: string,
    via: "simple" | "parse",
    parsed?: StatementRequest["parsed"],
  ): Promise<FinalVerdict> {
    const decide = (approved?: StatementRequest["approved"]) => {
      this.options.beforeDecision();
      return this.options.decisions.decide({ sql, via, parsed, approved });
    };
    const onHold = (held: HoldVerdict) => {
      this.options.beforeDecision();
      this.options.onHold?.(sql, held);
    };
    return this.released(await decide(), onHold, decide);
  }

  /**
   * Waits out holds until a final verdict; `onHold` sees each hold first (it is recorded). An
   * approval is judged again (`judgeAgain`, told what was approved) before it runs: the catalog may
   * have moved while the reviewer read it (another connection replaced the table by a view over a
   * denied column: `mysql-bypass-approved-relation-swap.int.test.ts`), and MySQL has no catalog
   * version to tell. The decision point runs it on the approval only if it still means what was
   * approved (approval-basis.ts); otherwise it is refused, or held for a new review.
   */
  private async released(
    decided: Verdict,
    onHold: (hold: HoldVerdict) => void,
    judgeAgain: (approved: { as: string; note: string }) => Verdict | Promise<Verdict>,
  ): Promise<FinalVerdict> {
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
      if (verdict.kind === "allow" && verdict.approvedAs !== undefined) {
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
