import type { ParsedStatements } from "@sluice/sql/facts";
import type { CatalogSnapshot } from "./column-catalog";
import type { GeneratedColumns } from "./generated-columns";
import type { ConnectionPolicy } from "./rules";
import type { Verdict } from "./verdict";
import type { ViewReads } from "./view-reads";

/** Remembered verdicts per session: an agent repeats a handful of reads, a loop of new ones clears it. */
export const MAX_REPEAT_VERDICTS = 256;

/**
 * Everything an allowed plain read's verdict rests on besides its facts: the policy (the object and
 * the store's version), the session's state (search path, role, settings, prepared statements —
 * `PolicySessionState.version`), the upstream catalog snapshot the judgement read, and the protocol
 * path. The facts object stands for the statement's text: the facts cache hands out one object per
 * statement shape, and an allowed read's verdict never reads the text's constants.
 */
export type RepeatKey = {
  policy: ConnectionPolicy;
  policyVersion: number;
  stateVersion: number;
  snapshot: CatalogSnapshot | null;
  /** The generated columns the judgement followed (a front end without a snapshot reads them apart). */
  generated: GeneratedColumns | null;
  /** What the upstream's views read, likewise. */
  viewReads: ViewReads | null;
  via: "simple" | "parse";
};

/**
 * Verdicts of reads this session had judged already, under the same key. A plain read is a
 * statement whose judgement changes nothing (no setting, no write, no cursor, no prepared statement,
 * no code it may run that nobody judged), so judging it again would give the same verdict and have
 * no effect; anything else is always judged.
 */
export class RepeatVerdicts {
  private readonly entries = new Map<ParsedStatements, { key: RepeatKey; verdict: Verdict }>();

  get(parsed: ParsedStatements, key: RepeatKey): Verdict | undefined {
    const entry = this.entries.get(parsed);
    return entry && isSameKey(entry.key, key) ? entry.verdict : undefined;
  }

  /**
   * Keeps `verdict` when it is a plain allow and `key` (read after judging) is still `judgedAt` (read
   * before): anything else is never remembered.
   */
  remember(parsed: ParsedStatements, key: RepeatKey, verdict: Verdict, judgedAt: RepeatKey): void {
    if (!isPlainAllow(verdict) || !isSameKey(key, judgedAt)) return;
    if (this.entries.size >= MAX_REPEAT_VERDICTS) this.entries.clear();
    // Handed to every repeat of the read: nothing may change it on the way.
    this.entries.set(parsed, { key, verdict: Object.freeze(verdict) });
  }
}

function isSameKey(a: RepeatKey, b: RepeatKey): boolean {
  return (
    a.policy === b.policy &&
    a.policyVersion === b.policyVersion &&
    a.stateVersion === b.stateVersion &&
    a.snapshot === b.snapshot &&
    a.generated === b.generated &&
    a.viewReads === b.viewReads &&
    a.via === b.via
  );
}

/** Kinds a plain read may have: a query and nothing else (a DECLARE, FETCH or SELECT INTO is more). */
const READ_KINDS = new Set(["SELECT"]);

/**
 * Statements whose allow can be remembered: they parsed, and each is a read that sets nothing,
 * writes nothing (a CTE's write included) and reads no server file.
 */
export function isPlainRead(parsed: ParsedStatements): boolean {
  return (
    parsed.ok &&
    parsed.statements.length > 0 &&
    parsed.statements.every(
      (facts) =>
        READ_KINDS.has(facts.kind) &&
        facts.kinds.every((kind) => READ_KINDS.has(kind)) &&
        facts.settings.length === 0 &&
        facts.tablesWritten.length === 0 &&
        !facts.serverFileAccess,
    )
  );
}

/** An allow with no approval, no per-run judgement, no bound-value check and no code nobody judged. */
function isPlainAllow(verdict: Verdict): boolean {
  return (
    verdict.kind === "allow" &&
    verdict.note === undefined &&
    verdict.checkParams === undefined &&
    verdict.isJudgedPerRun !== true &&
    verdict.mayRunUnjudgedCode !== true
  );
}
