import type { PrismaClient } from "@sluice/db/prisma";
import type { LiveSession } from "@sluice/transport/client-connection";
import { describe, expect, it, vi } from "vitest";
import { until } from "../../../test/until";
import { REVOCATION_POLL_MS, watchRevocations } from "../src/revocation-watcher";

/**
 * A store that still allows the session, and says its row has ended: as it will for a session that
 * ended here while the watcher's query ran (its own end is written right after it leaves the live
 * list), and for one another gateway ended while this one was silent.
 */
function storeSayingEnded(onEndedQuery: () => void): PrismaClient {
  return {
    // The watcher's one query (revocation-query.ts): its rows as the store answers them.
    $queryRawUnsafe: async () => {
      onEndedQuery();
      return [
        { kind: "credential", a: "cred-1", b: null },
        { kind: "group", a: "conn-1", b: "analysts" },
        { kind: "member", a: "conn-1", b: "agent-1" },
        { kind: "ended", a: "session-1", b: null },
      ];
    },
  } as unknown as PrismaClient;
}

function liveSession(terminated: string[]): LiveSession {
  return {
    sessionId: "session-1",
    agentId: "agent-1",
    credentialId: "cred-1",
    connectionId: "conn-1",
    terminate: (error) => terminated.push(error.message),
  };
}

describe("the watcher's check for sessions ended elsewhere", () => {
  it("ends a session still live here whose row another gateway ended", async () => {
    const terminated: string[] = [];
    const live = [liveSession(terminated)];
    let queries = 0;
    const watcher = watchRevocations(
      storeSayingEnded(() => (queries += 1)),
      () => live,
      () => {},
    );
    try {
      await until(async () => terminated.length > 0 || null, { what: "the session's end" });
      expect(terminated[0]).toContain("another gateway ended this session");
    } finally {
      watcher.stop();
    }
  });

  it("leaves alone a session that ended here while the query ran: no FATAL, no false log line", async () => {
    const terminated: string[] = [];
    const logs: string[] = [];
    let live = [liveSession(terminated)];
    let queries = 0;
    const watcher = watchRevocations(
      storeSayingEnded(() => {
        queries += 1;
        live = [];
      }),
      () => live,
      (line) => logs.push(line),
    );
    try {
      await until(async () => queries > 0 || null, { what: "the watcher's query" });
      // One more tick, so a wrong termination would have happened.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(terminated).toEqual([]);
      expect(logs.filter((line) => line.includes("another gateway"))).toEqual([]);
    } finally {
      watcher.stop();
    }
  });
});

describe("the watcher's pace", () => {
  it("ends a session at the first poll after its credential is revoked: within a second", async () => {
    vi.useFakeTimers();
    try {
      let isRevoked = false;
      const store = {
        $queryRawUnsafe: async () => [
          ...(isRevoked ? [] : [{ kind: "credential", a: "cred-1", b: null }]),
          { kind: "group", a: "conn-1", b: "analysts" },
          { kind: "member", a: "conn-1", b: "agent-1" },
        ],
      } as unknown as PrismaClient;
      const terminated: string[] = [];
      const live = [liveSession(terminated)];
      const watcher = watchRevocations(
        store,
        () => live,
        () => {},
      );
      try {
        await vi.advanceTimersByTimeAsync(REVOCATION_POLL_MS);
        expect(terminated).toEqual([]);
        isRevoked = true;
        await vi.advanceTimersByTimeAsync(REVOCATION_POLL_MS);
        expect(terminated).toEqual([expect.stringContaining("credential was revoked")]);
        expect(REVOCATION_POLL_MS).toBeLessThanOrEqual(500);
      } finally {
        watcher.stop();
      }
    } finally {
      vi.useRealTimers();
    }
  });
});
