import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { type ConnectionPolicy, parseGuardrail } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";
import { normalizeStatement } from "@sluice/sql/normalize";
import { parseStatements } from "@sluice/sql/parser";
import { agreesWithNormalized, quickShape } from "@sluice/sql/quick-shape";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(async () => {
  const { loadParser } = await import("@sluice/sql/parser");
  await loadParser();
});

/**
 * A message of several statements refused at a later one lets the ones before it run: the relay
 * sends the first `runsFirst.textBytes` bytes of the text, taken from the facts' byteOffset. The
 * byteOffset of every statement after the first depends on the lengths of the literals before it,
 * so facts shared by statement shape (normalized or quick) must not carry another text's offsets.
 */
const REFUSED = "SELECT * FROM audit.events";
const PAD = "x".repeat(28);
// The same shape: only the literals' lengths differ. In B the denied read starts 28 bytes earlier,
// so A's offset of it is where B's third statement starts.
const A = `SELECT '${PAD}'; ${REFUSED}; SELECT ''`;
const B = `SELECT ''; ${REFUSED}; SELECT '${PAD}'`;

const offsetsOf = (parsed: ReturnType<FactsCache["parse"]>) =>
  parsed.ok ? parsed.statements.map((facts) => facts.byteOffset ?? 0) : null;

describe("facts shared by shape across a message of several statements", () => {
  it("share one quick shape that the normalizer agrees with", () => {
    const quick = quickShape(A);
    expect(quick).not.toBeNull();
    expect(quickShape(B)).toBe(quick);
    expect(agreesWithNormalized(quick as string, normalizeStatement(A) as string)).toBe(true);
    expect(normalizeStatement(B)).toBe(normalizeStatement(A));
  });

  it("give each text its own statement offsets", () => {
    const cache = new FactsCache();
    cache.parse(A);
    expect(offsetsOf(cache.parse(B))).toEqual(offsetsOf(parseStatements(B)));
  });

  it("never let the refused statement run with the ones before it", async () => {
    const policy: ConnectionPolicy = {
      connectionName: "shop",
      isReadOnly: false,
      guardrails: [
        parseGuardrail({
          name: "no-audit",
          kind: "TABLE",
          effect: "DENY",
          match: { tables: ["audit.*"] },
          message: null,
        }),
      ],
      reviews: [],
    };
    const point = createPolicyDecisionPoint({
      policies: { version: 1, get: () => policy, reload: async () => {} },
      facts: new FactsCache(),
      upstreamUser: () => "app",
    });
    const session = point.openSession(
      {
        agentId: "a",
        agentName: "agent",
        groups: [],
        connectionId: "c",
        connectionName: "shop",
        sessionId: "s",
      },
      { login: "app" },
    );
    const decide = async (sql: string): Promise<Verdict> =>
      session.decide({ sql, via: "simple", isUpstreamSettled: true });
    for (const sql of [A, B]) {
      const verdict = await decide(sql);
      expect(verdict.kind, sql).toBe("deny");
      const textBytes = verdict.kind === "deny" ? verdict.runsFirst?.textBytes : undefined;
      // What the relay sends ahead of its failing stand-in: only the statements before the refusal.
      const runs = textBytes === undefined ? "" : Buffer.from(sql).subarray(0, textBytes).toString();
      expect(runs, sql).not.toContain("audit.events");
    }
  });
});
