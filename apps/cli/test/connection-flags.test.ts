import { describe, expect, it } from "vitest";
import { parseConnectionArgs } from "../src/connections/connection-flags";

describe("connections flags", () => {
  it("names the API's fields and turns booleans off with --no-", () => {
    const parsed = parseConnectionArgs([
      "shop",
      "--host",
      "db.internal",
      "--port",
      "5433",
      "--tls-mode",
      "VERIFY_FULL",
      "--allow-group",
      "a",
      "--allow-group",
      "b",
      "--no-read-only",
      "--strict-masking",
      "--json",
    ]);
    expect(parsed).toEqual({
      name: "shop",
      changes: {
        host: "db.internal",
        port: 5433,
        tlsMode: "VERIFY_FULL",
        allowedGroups: ["a", "b"],
        isReadOnly: false,
        isStrictMasking: true,
      },
      tlsCaFile: undefined,
      password: null,
      isJson: true,
    });
    expect(parseConnectionArgs(["x", "--tls-mode", "verify-ca"]).changes.tlsMode).toBe("VERIFY_CA");
  });

  it("leaves out what no flag names, so an update keeps it", () => {
    expect(parseConnectionArgs(["shop"]).changes).toEqual({});
  });

  it("refuses what it cannot read one way", () => {
    expect(() => parseConnectionArgs(["x", "--port", "54x"])).toThrow("--port: a whole number");
    expect(() => parseConnectionArgs(["x", "--tls-mode", "verify"])).toThrow("--tls-mode: one of");
    expect(() => parseConnectionArgs(["x", "--password", "hunter2"])).toThrow(/password/);
    expect(() => parseConnectionArgs(["x", "y"])).toThrow("one connection name expected");
    expect(() => parseConnectionArgs(["x", "--password-env", "P", "--password-stdin"])).toThrow(
      "give one of --password-env and --password-stdin",
    );
  });

  it("takes a password only from a variable or stdin", () => {
    expect(parseConnectionArgs(["x", "--password-env", "PW"]).password).toEqual({ from: "env", name: "PW" });
    expect(parseConnectionArgs(["x", "--password-stdin"]).password).toEqual({ from: "stdin" });
  });
});
