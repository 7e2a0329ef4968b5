import { describe, expect, it } from "vitest";
import { startDemoMySql } from "../src/demo/demo-mysql";
import type { PrismaClient } from "../src/prisma";

describe("the demo's MySQL side without MariaDB", () => {
  it("says in one line how to get MariaDB and touches nothing else", async () => {
    // Any use of the store would throw: without MariaDB the demo must not register a connection.
    const untouchable = new Proxy({} as PrismaClient, {
      get: () => {
        throw new Error("the store was used");
      },
    });
    const outcome = await startDemoMySql({
      home: "/nonexistent",
      prisma: untouchable,
      secretKey: Buffer.alloc(32),
      upstreamPassword: "unused",
      findPrograms: () => null,
    });
    expect(outcome).toEqual({
      isRunning: false,
      reason:
        "MariaDB is not installed, so the demo has no MySQL connection (apt-get install mariadb-server adds it; then start again)",
    });
  });
});
