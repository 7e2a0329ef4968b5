import type { FactsCache } from "./facts-cache";
import type { Verdict } from "./verdict";

type Denial = Extract<Verdict, { kind: "deny" }>;

/** What masking writes in place of a value (redaction, keyed hash, partial mask), in statement text. */
const PLACEHOLDERS_IN_SQL: { pattern: RegExp; what: string }[] = [
  { pattern: /\[REDACTED\]/, what: "the [REDACTED] placeholder" },
  { pattern: /\bh_[0-9a-f]{16}\b/, what: "a masked hash (h_…)" },
  { pattern: /'\*{4,}[^*'\s]{1,8}'/, what: "a partially masked value (****…)" },
];

/** The same placeholders as a bound parameter's value: the partial mask is then the whole value. */
const PLACEHOLDERS_AS_VALUE: { pattern: RegExp; what: string }[] = [
  { pattern: /\[REDACTED\]/, what: "the [REDACTED] placeholder" },
  { pattern: /\bh_[0-9a-f]{16}\b/, what: "a masked hash (h_…)" },
  { pattern: /^\*{4,}[^*\s]{1,8}$/, what: "a partially masked value (****…)" },
];

/**
 * A write whose text carries a masking placeholder would store the placeholder over real data
 * (an agent round-tripping rows it read). Judged on the statement text: placeholders are distinctive.
 */
export function placeholderWriteBack(sql: string, parsed: ReturnType<FactsCache["parse"]>): string | null {
  if (!parsed.ok || !parsed.statements.some((facts) => facts.tablesWritten.length > 0)) return null;
  const hit = PLACEHOLDERS_IN_SQL.find((placeholder) => placeholder.pattern.test(sql));
  return hit
    ? `the statement writes ${hit.what}, which would replace real data with what masking showed`
    : null;
}

export function placeholderDenial(connectionName: string, reason: string): Denial {
  return {
    kind: "deny",
    rule: "sluice:placeholder-write",
    message: `blocked by Sluice default "sluice:placeholder-write" on connection ${connectionName}: ${reason}`,
    hint: "write real values; masked placeholders would replace the data they stand for",
  };
}

/**
 * The check a write's bound values get before it runs (extended protocol): the statement text
 * holds only `$1`, so a placeholder read back from a masked result arrives as a parameter.
 */
export function placeholderParamCheck(
  connectionName: string,
): (values: readonly (string | null)[]) => Denial | null {
  return (values) => {
    for (const [index, value] of values.entries()) {
      if (value === null) continue;
      const hit = PLACEHOLDERS_AS_VALUE.find((placeholder) => placeholder.pattern.test(value));
      if (hit) {
        return placeholderDenial(
          connectionName,
          `parameter $${index + 1} is ${hit.what}, which would replace real data with what masking showed`,
        );
      }
    }
    return null;
  };
}
