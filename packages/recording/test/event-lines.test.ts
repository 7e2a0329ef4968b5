import { encodeEvent, encodeStatementLine, encodeVerdictLine } from "@sluice/recording/events";
import { describe, expect, it } from "vitest";

describe("the per-statement lines written without an event object", () => {
  it.each([
    "SELECT 1",
    `SELECT 'it''s', "quoted" FROM t WHERE a = '\\' -- tail`,
    "SELECT 'line\nbreak\ttab\u0001 ü 😀 \u2028'",
  ])("a statement line is the event's own encoding: %j", (sql) => {
    for (const t of [0, 12, 1234.5]) {
      expect(encodeStatementLine(t, 7, sql)).toBe(encodeEvent({ t, type: "statement", n: 7, sql }));
    }
  });

  it.each([
    { t: 3, type: "verdict" as const, n: 1, kind: "allow" as const },
    { t: 3.25, type: "verdict" as const, n: 2, kind: "allow" as const, message: "approved by ann" },
    { t: 3, type: "verdict" as const, n: 3, kind: "allow" as const, maskedTables: ["public.customers"] },
    {
      t: 3,
      type: "verdict" as const,
      n: 3,
      kind: "allow" as const,
      maskedTables: ["public.customers", 'odd"schema.t\u2028'],
    },
    { t: 3, type: "verdict" as const, n: 4, kind: "deny" as const, rule: "no-drop", message: 'no "DROP"' },
    { t: 3, type: "verdict" as const, n: 5, kind: "hold" as const, rule: "review-writes" },
    {
      t: 3,
      type: "verdict" as const,
      n: 6,
      kind: "hold" as const,
      rule: "salary-reads",
      message: "held for review",
      maskedTables: ["public.employees"],
    },
  ])("a verdict line is the event's own encoding: $kind $n", (event) => {
    const { t, n, kind, rule, message, maskedTables } = event as typeof event & {
      rule?: string;
      message?: string;
      maskedTables?: string[];
    };
    expect(encodeVerdictLine(t, n, { kind, rule, message }, maskedTables)).toBe(encodeEvent(event));
  });
});
