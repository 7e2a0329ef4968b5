import { generateAgentToken, tokenFingerprint } from "@sluice/secrets/agent-token";
import { md5PasswordResponse } from "@sluice/secrets/md5-password";
import { REDACTED, redactSecrets, redactUrl } from "@sluice/secrets/redact";
import { describe, expect, it } from "vitest";

describe("md5 password response", () => {
  it("matches PostgreSQL's formula (fixture computed with Python's hashlib)", () => {
    expect(md5PasswordResponse("alice", "pencil", Buffer.from([1, 2, 3, 4]))).toBe(
      "md537cba386e8b90f1e3941a0e792722253",
    );
  });
});

describe("agent tokens", () => {
  it("are URL-safe, unique and fingerprinted without revealing them", () => {
    const token = generateAgentToken();
    expect(token).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(generateAgentToken()).not.toBe(token);
    expect(tokenFingerprint(token)).toMatch(/^[0-9a-f]{12}$/);
    expect(token).not.toContain(tokenFingerprint(token));
  });
});

describe("redaction", () => {
  it("hides passwords in URLs and secret-looking keys in snapshots", () => {
    expect(redactUrl("postgresql://demo-agent:sk_abc@localhost:15432/shop")).toBe(
      "postgresql://demo-agent:***@localhost:15432/shop",
    );
    expect(redactUrl("postgresql://localhost/shop")).toBe("postgresql://localhost/shop");
    expect(
      redactSecrets({
        name: "shop",
        passwordCipher: "v1:…",
        nested: [{ apiKey: "k", host: "h" }],
        token: null,
      }),
    ).toEqual({
      name: "shop",
      passwordCipher: REDACTED,
      nested: [{ apiKey: REDACTED, host: "h" }],
      token: null,
    });
  });
});
