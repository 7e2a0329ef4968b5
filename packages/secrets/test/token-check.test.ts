import { describe, expect, it } from "vitest";
import { generateAgentToken } from "../src/agent-token";
import { createScramVerifier } from "../src/scram-verifier";
import { isTokenOfVerifier } from "../src/token-check";

describe("isTokenOfVerifier", () => {
  it("accepts the token the verifier was made from and nothing else", async () => {
    const token = generateAgentToken();
    const verifier = createScramVerifier(token, Buffer.from("salt-salt-salt!!"), 4096);
    expect(await isTokenOfVerifier(token, verifier)).toBe(true);
    expect(await isTokenOfVerifier(`${token}x`, verifier)).toBe(false);
    expect(await isTokenOfVerifier("", verifier)).toBe(false);
  });

  it("refuses rather than throws on a verifier it cannot read", async () => {
    expect(await isTokenOfVerifier(generateAgentToken(), "not a verifier")).toBe(false);
  });
});
