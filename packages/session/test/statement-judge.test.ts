import type { Verdict } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import type { RelayStep } from "../src/relay-step";
import { StatementJudge } from "../src/statement-judge";

// The relay answers a statement the parser rejects from the parser itself (syntax-error probe).
beforeAll(() => loadParser());

const REQUEST = { sql: "SELECT salary FROM staff", via: "simple" as const };
const step = (verdict: Verdict): RelayStep => ({ toUpstream: [Buffer.from(verdict.kind)], toClient: [] });

/** A hold released by the test, and what the reviewers' side was told on withdrawal. */
function holdOf() {
  let release: (verdict: Verdict) => void = () => {};
  const withdrawn: string[] = [];
  const verdict: Verdict = {
    kind: "hold",
    rule: "salaries",
    message: "waiting for approval: review R-7",
    release: new Promise<Verdict>((resolve) => {
      release = resolve;
    }),
    withdraw: (reason) => withdrawn.push(reason),
  };
  return { verdict, release: (v: Verdict) => release(v), withdrawn };
}

describe("StatementJudge", () => {
  it("audits the verdict before the step that acts on it is made", () => {
    const seen: string[] = [];
    const judge = new StatementJudge({
      decisions: { decide: () => ({ kind: "allow" }), version: () => 0 },
      onVerdict: (sql, verdict) => seen.push(`audit ${verdict.kind}: ${sql}`),
    });
    judge.decide(REQUEST, (verdict) => {
      seen.push(`step ${verdict.kind}`);
      return step(verdict);
    });
    expect(seen).toEqual([`audit allow: ${REQUEST.sql}`, "step allow"]);
  });

  it("sends the hold's notice at once, then makes the step from the reviewers' verdict", async () => {
    const hold = holdOf();
    const sent: Buffer[] = [];
    const judge = new StatementJudge({
      decisions: { decide: () => hold.verdict, version: () => 0 },
      sendNow: (bytes) => sent.push(bytes),
    });
    const result = judge.decide(REQUEST, step);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.toString("latin1")).toContain("waiting for approval: review R-7");
    expect(judge.isHolding).toBe(true);
    hold.release({ kind: "allow" });
    expect(await result).toEqual(step({ kind: "allow" }));
    expect(judge.isHolding).toBe(false);
  });

  it("without sendNow, the notice comes first in the released step", async () => {
    const hold = holdOf();
    const judge = new StatementJudge({ decisions: { decide: () => hold.verdict, version: () => 0 } });
    const result = judge.decide(REQUEST, step);
    hold.release({ kind: "allow" });
    const { toClient } = await result;
    expect(toClient).toHaveLength(1);
    expect(toClient[0]?.toString("latin1")).toContain("waiting for approval: review R-7");
  });

  it("a withdrawal refuses the held statement with 57014 and tells the reviewers' side", async () => {
    const hold = holdOf();
    const judge = new StatementJudge({ decisions: { decide: () => hold.verdict, version: () => 0 } });
    expect(judge.withdrawHeld("nothing held yet")).toBe(false);
    let settled: Verdict | null = null;
    const result = judge.decide(REQUEST, (verdict) => {
      settled = verdict;
      return step(verdict);
    });
    expect(judge.withdrawHeld("the client cancelled")).toBe(true);
    await result;
    expect(settled).toEqual({
      kind: "deny",
      rule: "salaries",
      message: "the client cancelled",
      code: "57014",
    });
    expect(hold.withdrawn).toEqual(["the client cancelled"]);
    expect(judge.isHolding).toBe(false);
  });

  it("a session that ends while its statement's review is being written withdraws the hold as it comes", async () => {
    const hold = holdOf();
    let written: (verdict: Verdict) => void = () => {};
    const judge = new StatementJudge({
      decisions: {
        decide: () =>
          new Promise<Verdict>((resolve) => {
            written = resolve;
          }),
        version: () => 0,
      },
    });
    let settled: Verdict | null = null;
    const result = judge.decide(REQUEST, (verdict) => {
      settled = verdict;
      return step(verdict);
    });
    judge.end("the session ended");
    written(hold.verdict);
    await result;
    expect(settled).toMatchObject({ kind: "deny", message: "the session ended", code: "57014" });
    expect(hold.withdrawn).toEqual(["the session ended"]);
    expect(judge.isHolding).toBe(false);
  });
});
