import type { SessionDecisions, StatementRequest, Verdict } from "@sluice/policy/verdict";
import { noticeBytes } from "./protocol-bytes";
import type { RelayStep } from "./relay-step";
import type { Settled } from "./relay-verdicts";

export type RelayOptions = {
  decisions: SessionDecisions;
  /** Called with every verdict before the statement can reach the upstream (audit first). */
  onVerdict?: (sql: string, verdict: Verdict) => void;
  /**
   * Sends bytes to the client at once, outside the step order: the notice that a statement is held
   * must reach the agent while it waits, not after. Without it the notice comes with the answer.
   */
  sendNow?: (bytes: Buffer) => void;
};

/**
 * Asks the decision point about one statement and hands its settled verdict to the relay's next
 * step. The verdict is audited before anything can reach the upstream; a hold tells the agent why
 * nothing comes back yet and waits, withdrawable, for the reviewers' verdict (or a cancel's).
 */
export class StatementJudge {
  /** The statement waiting for a human, if any: a cancel or a disconnect withdraws it. */
  private held: { withdraw: (reason: string) => void } | null = null;
  /**
   * Why the session ended, once it has: a hold that comes after (the client left while the review
   * was being written, before anything was held) is withdrawn as it comes, or its review would
   * wait, and could be approved, for a client that is gone.
   */
  private endedBecause: string | null = null;

  constructor(private readonly options: RelayOptions) {}

  get isHolding(): boolean {
    return this.held !== null;
  }

  /** Refuses the held statement with `reason`; false when nothing is held. */
  withdrawHeld(reason: string): boolean {
    if (!this.held) return false;
    this.held.withdraw(reason);
    return true;
  }

  /** The session ended: the held statement, and any hold still to come, is withdrawn with `reason`. */
  end(reason: string): void {
    this.endedBecause = reason;
    this.withdrawHeld(reason);
  }

  /** Judges `request`; `then` makes the step from the settled verdict (after a hold, once released). */
  decide(request: StatementRequest, then: (verdict: Settled) => RelayStep): RelayStep | Promise<RelayStep> {
    const verdict = this.options.decisions.decide(request);
    if (verdict instanceof Promise) return verdict.then((resolved) => this.settle(request, resolved, then));
    return this.settle(request, verdict, then);
  }

  private settle(
    request: StatementRequest,
    verdict: Verdict,
    then: (verdict: Settled) => RelayStep,
  ): RelayStep | Promise<RelayStep> {
    this.options.onVerdict?.(request.sql, verdict);
    if (verdict.kind !== "hold") return then(verdict);
    // Only this session waits; the notice tells the agent why nothing is coming back yet.
    const notice = noticeBytes(verdict.message, verdict.hint);
    const sendNow = this.options.sendNow;
    sendNow?.(notice);
    return releaseOrWithdrawal(verdict, (held) => {
      this.held = held;
      if (this.endedBecause !== null) held.withdraw(this.endedBecause);
    }).then((released) => {
      this.held = null;
      // Approved under a catalog that has moved on since it was judged (a review outlasts any
      // snapshot): judged again under the one it will run with, it runs on the approval only if it
      // still means what the reviewer approved (see approval-basis.ts).
      const isOutdated =
        released.kind === "allow" &&
        released.catalogVersion !== undefined &&
        released.catalogVersion !== this.options.decisions.catalogVersion?.();
      const approved =
        released.kind === "allow" && released.approvedAs !== undefined
          ? { as: released.approvedAs, note: released.note ?? "approved" }
          : undefined;
      const step = isOutdated
        ? this.decide({ ...request, approved }, then)
        : this.settle(request, released, then);
      if (sendNow) return step;
      if (step instanceof Promise) return step.then((s) => ({ ...s, toClient: [notice, ...s.toClient] }));
      return { ...step, toClient: [notice, ...step.toClient] };
    });
  }
}

/**
 * A held statement's final verdict: the reviewer's, or a 57014 refusal once `withdraw` (handed to
 * `onHeld`, for a cancel or a disconnect) is called first.
 */
function releaseOrWithdrawal(
  verdict: Extract<Verdict, { kind: "hold" }>,
  onHeld: (held: { withdraw: (reason: string) => void }) => void,
): Promise<Verdict> {
  let withdrawn: (verdict: Verdict) => void = () => {};
  const withdrawal = new Promise<Verdict>((resolve) => {
    withdrawn = resolve;
  });
  onHeld({
    withdraw: (reason) => {
      verdict.withdraw?.(reason);
      withdrawn({ kind: "deny", rule: verdict.rule, message: reason, code: "57014" });
    },
  });
  return Promise.race([verdict.release, withdrawal]);
}
