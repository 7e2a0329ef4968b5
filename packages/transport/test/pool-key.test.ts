import type { ConnectionRecord } from "@sluice/session/directory";
import { testConnectionRecord } from "@sluice/session/testing";
import { describe, expect, it } from "vitest";
import { createPoolKeys } from "../src/pool-key";

/** A record as the store gives each login: a new object, its strings read afresh. */
const fromStore = (overrides: Partial<ConnectionRecord> = {}) =>
  JSON.parse(JSON.stringify(testConnectionRecord(overrides))) as ConnectionRecord;

describe("createPoolKeys", () => {
  it("gives every login of an unchanged connection with the same settings one key, in any order", () => {
    const keyOf = createPoolKeys();
    const first = keyOf({
      connection: fromStore(),
      startupParams: { application_name: "a", DateStyle: "ISO" },
    });

    expect(
      keyOf({ connection: fromStore(), startupParams: { DateStyle: "ISO", application_name: "a" } }),
    ).toBe(first);
    expect(
      keyOf({ connection: fromStore(), startupParams: { application_name: "b", DateStyle: "ISO" } }),
    ).not.toBe(first);
  });

  it.each<[string, Partial<ConnectionRecord>]>([
    ["password", { password: "pen" }],
    ["no password", { password: null }],
    ["host", { host: "db.other" }],
    ["port", { port: 5433 }],
    ["database", { database: "shop2" }],
    ["user", { user: "app2" }],
    ["TLS mode", { tlsMode: "REQUIRE" }],
    ["CA", { tlsCaPem: "-----BEGIN CERTIFICATE-----" }],
    ["server name", { tlsServerName: "db.example" }],
  ])(
    "gives a changed %s a new key at once, and the old login's key back when it is restored",
    (_, change) => {
      const keyOf = createPoolKeys();
      const before = keyOf({ connection: fromStore(), startupParams: {} });

      const changed = keyOf({ connection: fromStore(change), startupParams: {} });

      expect(changed).not.toBe(before);
      expect(keyOf({ connection: fromStore(), startupParams: {} })).toBe(before);
    },
  );

  it("never holds the password itself in the key", () => {
    const key = createPoolKeys()({
      connection: fromStore({ password: "hunter2-brokered" }),
      startupParams: {},
    });
    expect(key).not.toContain("hunter2");
  });
});
