import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeHeapSnapshot } from "node:v8";
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

const HEX_DIGITS = Buffer.from("0123456789abcdef");

/** `bytes` in hex as ASCII bytes, made without a JavaScript string (which would be on the heap). */
function hexBytes(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length * 2);
  for (const [index, byte] of bytes.entries()) {
    out[2 * index] = HEX_DIGITS[byte >> 4] ?? 0;
    out[2 * index + 1] = HEX_DIGITS[byte & 15] ?? 0;
  }
  return out;
}

/**
 * Whether a string the heap still reaches holds `bytes` in hex, from a V8 heap snapshot (taken after
 * a full collection, so it holds only what something still references).
 */
function heapHolds(bytes: Buffer): boolean {
  const needle = hexBytes(bytes);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "pool-key-")), "heap.heapsnapshot");
  try {
    writeHeapSnapshot(file);
    return readFileSync(file).includes(needle);
  } finally {
    rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** A login of a record whose password and CA hold these bytes in hex, made and dropped here. */
function logIn(keyOf: ReturnType<typeof createPoolKeys>, id: string, password: Buffer, ca: Buffer) {
  return keyOf({
    connection: fromStore({
      connectionId: id,
      password: password.toString("hex"),
      tlsCaPem: ca.toString("hex"),
    }),
    startupParams: {},
  });
}

describe("what createPoolKeys keeps between logins", () => {
  it("keeps no plaintext password, only what it compares by", () => {
    const password = randomBytes(24);
    const ca = randomBytes(24);
    const keyOf = createPoolKeys();
    const key = logIn(keyOf, "c1", password, ca);

    // The CA is kept to compare the next login with: the snapshot sees what the keys hold.
    expect(heapHolds(ca)).toBe(true);
    expect(heapHolds(password)).toBe(false);
    // Still the same login: the kept digest compares equal.
    expect(logIn(keyOf, "c1", password, ca)).toBe(key);
  });

  it("forgets the connection used longest ago past its bound, and keys it the same when it returns", () => {
    const keyOf = createPoolKeys(2);
    const first = { password: randomBytes(24), ca: randomBytes(24) };
    const firstKey = logIn(keyOf, "deleted", first.password, first.ca);
    logIn(keyOf, "c2", randomBytes(24), randomBytes(24));
    const third = randomBytes(24);
    logIn(keyOf, "c3", randomBytes(24), third);

    expect(heapHolds(third)).toBe(true);
    expect(heapHolds(first.ca)).toBe(false);
    expect(logIn(keyOf, "deleted", first.password, first.ca)).toBe(firstKey);
  });

  it("keeps a connection in use while others come and go", () => {
    const keyOf = createPoolKeys(2);
    const live = { password: randomBytes(24), ca: randomBytes(24) };
    for (let index = 0; index < 4; index++) {
      logIn(keyOf, "live", live.password, live.ca);
      logIn(keyOf, `passing-${index}`, randomBytes(24), randomBytes(24));
    }
    expect(heapHolds(live.ca)).toBe(true);
  });
});
