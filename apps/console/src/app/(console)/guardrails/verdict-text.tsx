import type { ReactNode } from "react";

export type TryVerdict =
  | { kind: "allow"; maskedTables: string[]; note?: string }
  | { kind: "deny"; rule: string; message: string; hint: string | null; status?: number }
  | {
      kind: "hold";
      rule: string;
      message: string;
      reviewerGroups: string[];
      isBlocking: boolean;
      timeoutSeconds: number;
      maskedTables: string[];
    };

/** The verdict box: its tone says allow, hold or deny at a glance; the words say what the agent sees. */
export function VerdictBox({ verdict, masking }: { verdict: TryVerdict; masking?: ReactNode }) {
  return (
    <div
      data-testid="verdict"
      className={`rounded-md border px-3 py-2 text-sm ${VERDICT_TONE[verdict.kind]}`}
    >
      <VerdictText verdict={verdict} masking={masking} />
    </div>
  );
}

const VERDICT_TONE: Record<TryVerdict["kind"], string> = {
  allow: "border-emerald-200 bg-emerald-50 text-emerald-900",
  hold: "border-amber-200 bg-amber-50 text-amber-900",
  deny: "border-red-200 bg-red-50 text-red-900",
};

function maskingScope(tables: string[]): string {
  return tables.length ? `Masking applies to ${[...new Set(tables)].join(", ")}.` : "No masking applies.";
}

/**
 * The verdict in words: what the agent would see, and who decides when a review holds it.
 * `masking` replaces the SQL path's "masking applies to tables" (HTTP masks by response field).
 */
function VerdictText({ verdict, masking }: { verdict: TryVerdict; masking?: ReactNode }) {
  switch (verdict.kind) {
    case "allow":
      return (
        <p>
          <strong>Allowed.</strong> {verdict.note ? `It ${verdict.note}. ` : ""}
          {masking ?? maskingScope(verdict.maskedTables)}
        </p>
      );
    case "deny":
      return (
        <>
          <p>
            <strong>Denied</strong> by <code>{verdict.rule}</code>
          </p>
          <p className="mt-1 font-mono text-xs">
            {verdict.status ? `HTTP ${verdict.status} · ` : ""}
            {verdict.message}
          </p>
          {verdict.hint ? <p className="mt-1 text-xs">Hint: {verdict.hint}</p> : null}
        </>
      );
    case "hold":
      return (
        <>
          <p>
            <strong>Held for review</strong> by rule <code>{verdict.rule}</code>; reviewers:{" "}
            {verdict.reviewerGroups.join(", ") || "none"}.
          </p>
          <p className="mt-1 text-xs">
            {verdict.isBlocking
              ? `The agent's statement waits for a decision (up to ${Math.max(1, Math.round(verdict.timeoutSeconds / 60))} min), then runs or is refused.`
              : "Non-blocking: the agent is refused at once with a review number, and runs the same statement again once it is approved."}{" "}
            Once approved: {masking ?? maskingScope(verdict.maskedTables)}
          </p>
          <p className="mt-1 font-mono text-xs">{verdict.message}</p>
        </>
      );
  }
}
