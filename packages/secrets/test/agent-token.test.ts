import { generateAgentToken, isAgentTokenShaped, tokenFingerprint } from "@sluice/secrets/agent-token";
import { describe, expect, it } from "vitest";

describe("generateAgentToken", () => {
  it("makes sk_ + 32 random bytes in base64url", () => {
    const token = generateAgentToken();
    expect(token).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(3), "base64url")).toHaveLength(32);
    expect(isAgentTokenShaped(token)).toBe(true);
  });

  it("is unique per call", () => {
    const tokens = new Set(Array.from({ length: 200 }, generateAgentToken));
    expect(tokens.size).toBe(200);
  });

  it("sits in a postgresql:// URL as a password with no percent-encoding", () => {
    for (let i = 0; i < 200; i++) {
      const token = generateAgentToken();
      expect(encodeURIComponent(token)).toBe(token);
      const url = new URL(`postgresql://agent:${token}@localhost:15432/shop`);
      expect(url.password).toBe(token);
      expect(url.username).toBe("agent");
    }
  });
});

describe("tokenFingerprint", () => {
  it("is 12 stable hex digits of the token's SHA-256", () => {
    // sha256("sk_test") = 12b2820cf163…, computed with `printf sk_test | sha256sum`.
    expect(tokenFingerprint("sk_test")).toBe("12b2820cf163");
  });

  it("differs between tokens and never reveals the token", () => {
    const token = generateAgentToken();
    const fingerprint = tokenFingerprint(token);
    expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(tokenFingerprint(token)).toBe(fingerprint);
    expect(tokenFingerprint(generateAgentToken())).not.toBe(fingerprint);
    expect(token).not.toContain(fingerprint);
  });
});

describe("isAgentTokenShaped", () => {
  it.each(["", "sk_", "sk_short", `pk_${"a".repeat(43)}`, `sk_${"a".repeat(42)}+`, `sk_${"a".repeat(44)}`])(
    "is false for %j",
    (text) => expect(isAgentTokenShaped(text)).toBe(false),
  );
});
