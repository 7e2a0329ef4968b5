import type { Clock, ClockTimer } from "@sluice/db/scheduling/clock";
import type { Verdict } from "@sluice/policy/verdict";

export type AllowVerdict = Extract<Verdict, { kind: "allow" }>;

type Waiter = {
  number: number;
  expiresAt: number;
  rule: string;
  onApproval: AllowVerdict;
  resolve: (verdict: Verdict) => void;
  deadline: ClockTimer;
};

export type HoldOptions = {
  number: number;
  expiresAt: Date;
  rule: string;
  onApproval: AllowVerdict;
  /** Runs at the review's deadline if the statement is still held then. */
  onDeadline: () => void;
};

/**
 * The statements this gateway holds for review, each with the session's promise to settle. A
 * statement is released at most once: the first verdict wins, later ones are ignored.
 */
export class HeldStatements {
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.waiters.size;
  }

  hold(reviewId: string, options: HoldOptions): Promise<Verdict> {
    return new Promise<Verdict>((resolve) => {
      const deadline = this.clock.setTimeout(
        options.onDeadline,
        Math.max(0, options.expiresAt.getTime() - this.clock.now()),
      );
      this.waiters.set(reviewId, {
        number: options.number,
        expiresAt: options.expiresAt.getTime(),
        rule: options.rule,
        onApproval: options.onApproval,
        resolve,
        deadline,
      });
    });
  }

  get(reviewId: string): Readonly<Omit<Waiter, "resolve" | "deadline">> | undefined {
    return this.waiters.get(reviewId);
  }

  ids(): string[] {
    return [...this.waiters.keys()];
  }

  release(reviewId: string, verdict: Verdict): void {
    const waiter = this.waiters.get(reviewId);
    if (!waiter) return;
    waiter.deadline.cancel();
    this.waiters.delete(reviewId);
    waiter.resolve(verdict);
  }
}

/** The approval's origin travels with the verdict: the recording shows it, the relay spends it once. */
export function withNote<V extends Verdict>(verdict: V, note: string): V {
  return verdict.kind === "allow" ? { ...verdict, note } : verdict;
}

export function deny(rule: string, message: string, hint?: string): Verdict {
  return { kind: "deny", rule, message, code: "42501", ...(hint ? { hint } : {}) };
}
