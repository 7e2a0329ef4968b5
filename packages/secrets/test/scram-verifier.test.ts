import { createScramVerifier, parseScramVerifier } from "@sluice/secrets/scram-verifier";
import { describe, expect, it } from "vitest";
import { expectScramError } from "./expect-scram-error";
import { POSTGRES_VERIFIERS } from "./scram-fixtures";

describe("createScramVerifier", () => {
  it.each(Object.entries(POSTGRES_VERIFIERS))(
    "reproduces PostgreSQL's verifier for %j from its salt and iterations",
    (secret, verifier) => {
      const { salt, iterations } = parseScramVerifier(verifier);
      expect(createScramVerifier(secret, salt, iterations)).toBe(verifier);
    },
  );

  it("does not match PostgreSQL for a different secret (the cross-check can fail)", () => {
    const { salt, iterations } = parseScramVerifier(POSTGRES_VERIFIERS.pencil);
    expect(createScramVerifier("pencil ", salt, iterations)).not.toBe(POSTGRES_VERIFIERS.pencil);
  });

  it("uses PostgreSQL's defaults: 4096 iterations, a fresh 16-byte salt, never the secret", () => {
    const a = createScramVerifier("sk_secret");
    const b = createScramVerifier("sk_secret");
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toContain("sk_secret");
    expect(a).not.toBe(b);
    expect(parseScramVerifier(a).salt).toHaveLength(16);
  });

  it("refuses impossible parameters", () => {
    expectScramError(() => createScramVerifier("x", Buffer.alloc(16), 0), "invalid-verifier", /iterations/);
    expectScramError(() => createScramVerifier("x", Buffer.alloc(16), 1.5), "invalid-verifier", /iterations/);
    expectScramError(() => createScramVerifier("x", Buffer.alloc(0)), "invalid-verifier", /salt/);
  });
});

describe("parseScramVerifier", () => {
  it("reads the parts of a stored verifier", () => {
    const parsed = parseScramVerifier(POSTGRES_VERIFIERS.pencil);
    expect(parsed.iterations).toBe(4096);
    expect(parsed.salt.toString("base64")).toBe("2sFbdxXmlrYKdl3qQKb8sQ==");
    expect(parsed.storedKey.toString("base64")).toBe("g8k9yVuetRk4BOZh85i9G5yRhtkCdMPCoCCT+ExzLCA=");
    expect(parsed.serverKey.toString("base64")).toBe("JnSmTyzUp+DWuWMoExeopwuLhhQ2ufScOJV1lzPX3WU=");
  });

  const key = Buffer.alloc(32, 1).toString("base64");
  it.each([
    ["an md5 hash", "md5ee69efad287c7423caf0b3229d71f567"],
    ["plain text", "pencil"],
    ["the wrong mechanism", `SCRAM-SHA-1$4096:c2FsdA==$${key}:${key}`],
    ["zero iterations", `SCRAM-SHA-256$0:c2FsdA==$${key}:${key}`],
    ["iterations beyond a C int", `SCRAM-SHA-256$4294967296:c2FsdA==$${key}:${key}`],
    ["short keys", "SCRAM-SHA-256$4096:c2FsdA==$YQ==:Yg=="],
    ["a salt that is not base64", `SCRAM-SHA-256$4096:c2F*dA==$${key}:${key}`],
    ["unpadded base64", `SCRAM-SHA-256$4096:c2FsdA$${key}:${key}`],
    ["trailing text", `SCRAM-SHA-256$4096:c2FsdA==$${key}:${key}:extra`],
  ])("refuses %s", (_, verifier) => {
    expectScramError(() => parseScramVerifier(verifier), "invalid-verifier");
  });
});
