import { ClientError } from "@sluice/session/client-error";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { describe, expect, it } from "vitest";
import { validateStartupParams } from "../src/startup-params";

describe("startup parameters", () => {
  it("passes through what drivers send and keeps user/database for the gateway", () => {
    expect(
      validateStartupParams({
        user: "a",
        database: "shop",
        application_name: "psql",
        client_encoding: "UTF8",
        DateStyle: "ISO",
      }),
    ).toEqual({
      agentName: "a",
      connectionName: "shop",
      // client_encoding is not forwarded: the upstream login pins it (startup-options.test.ts).
      passThrough: { application_name: "psql", DateStyle: "ISO" },
      settings: [
        { name: "application_name", value: "psql" },
        { name: "client_encoding", value: "UTF8" },
        { name: "datestyle", value: "ISO" },
      ],
      protocolOptions: [],
    });
  });

  it("refuses parameters that change privileges or behaviour, with SQLSTATE 42501", () => {
    for (const name of ["options", "replication", "role", "session_authorization", "backslash_quote"]) {
      const attempt = () => validateStartupParams({ user: "a", database: "shop", [name]: "x" });
      expect(attempt).toThrow(ClientError);
      expect(attempt).toThrow(`startup parameter "${name}" is not allowed`);
    }
  });

  it("refuses a missing agent or connection name", () => {
    expect(() => validateStartupParams({ database: "shop" })).toThrow(/no agent name/);
    expect(() => validateStartupParams({ user: "a", database: "" })).toThrow(/no connection name/);
  });

  it("collects _pq_ protocol options for negotiation", () => {
    expect(validateStartupParams({ user: "a", database: "d", "_pq_.x": "1" }).protocolOptions).toEqual([
      "_pq_.x",
    ]);
  });
});

describe("RateLimiter", () => {
  it("limits after the allowed failures and forgets them after the window", () => {
    let now = 0;
    const limiter = new RateLimiter({ maxFailures: 3, windowMs: 1000, now: () => now });
    for (let i = 0; i < 3; i++) limiter.recordFailure("k");
    expect(limiter.retryAfterMs("k")).toBe(1000);
    now = 600;
    expect(limiter.retryAfterMs("k")).toBe(400);
    now = 1001;
    expect(limiter.retryAfterMs("k")).toBe(0);
    limiter.recordFailure("k");
    limiter.recordSuccess("k");
    expect(limiter.retryAfterMs("k")).toBe(0);
  });
});
