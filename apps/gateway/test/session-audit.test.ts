import type { PrismaClient } from "@sluice/db/prisma";
import type { Verdict } from "@sluice/policy/verdict";
import { testAgentRecord, testConnectionRecord } from "@sluice/session/testing";
import { describe, expect, it } from "vitest";
import { createSessionAudit, type SessionEnd } from "../src/session-audit";

/**
 * The audit over a store that only takes the session row (the login's INSERT, which goes by raw SQL
 * on a store Prisma built no pool for); ends are kept for the test to read.
 */
function auditWithEnds() {
  const prisma = {
    $queryRawUnsafe: async () => [],
    auditEvent: { create: async () => ({}) },
  } as unknown as PrismaClient;
  const ends: SessionEnd[] = [];
  const audit = createSessionAudit(
    prisma,
    () => {},
    "gw",
    async (_what, _id, end) => {
      ends.push(end);
    },
  );
  return { audit, ends };
}

describe("session audit: tables touched", () => {
  it("adds a repeated read's tables once and still adds every other verdict's (cpu11s)", async () => {
    const { audit, ends } = auditWithEnds();
    const id = await audit.onSessionStart({
      agent: testAgentRecord("t"),
      connection: testConnectionRecord(),
      clientAddress: "127.0.0.1",
      isTls: false,
    });
    const accounts: Verdict = { kind: "allow", relations: [["public.pgbench_accounts"]] };
    const branches: Verdict = { kind: "allow", relations: [["public.pgbench_branches"]] };
    // A repeated read hands over the same verdict object: its list is added once, not looked at again.
    for (let i = 0; i < 3; i += 1) audit.onVerdict?.(id, "SELECT 1", accounts);
    audit.onVerdict?.(id, "SELECT 2", branches);
    // Another verdict object, its own list: counted even where its names were seen before.
    audit.onVerdict?.(id, "SELECT 3", { kind: "allow", relations: [["tellers", "public.tellers"]] });
    audit.onVerdict?.(id, "SELECT 1", accounts);
    audit.onVerdict?.(id, "DROP TABLE h", { kind: "deny", rule: "r", message: "m" });
    audit.onSessionEnd(id, "done");
    expect(ends).toHaveLength(1);
    expect([...(ends[0]?.tablesTouched ?? [])].sort()).toEqual(
      ["public.pgbench_accounts", "public.pgbench_branches", "public.tellers", "tellers"].sort(),
    );
    expect(ends[0]).toMatchObject({ statementCount: 7, deniedCount: 1 });
  });
});
