import { createScramClient } from "@sluice/secrets/scram-client";
import { createScramServer } from "@sluice/secrets/scram-server";
import { createScramVerifier, parseScramVerifier } from "@sluice/secrets/scram-verifier";
import { describe, expect, it } from "vitest";

/** Captured from PostgreSQL 15: CREATE ROLE … PASSWORD 'pencil' with scram-sha-256. */
const POSTGRES_VERIFIER =
  "SCRAM-SHA-256$4096:V32awqza6iqPW2ci8SejnA==$+QlFH44SQC/I43EohzpwfMKx2fo5GGqUu+Yf26MsnBQ=:BoKFSm7+eBlAlEcRGGcCYbcRdeCHe3UdYVUoKCfWQlM=";

function exchange(password: string, verifier: string | null, username = "agent") {
  const client = createScramClient(password);
  const server = createScramServer({ verifier, username });
  const serverFirst = server.handleClientFirst(client.clientFirst());
  const result = server.handleClientFinal(client.handleServerFirst(serverFirst));
  return { client, result };
}

describe("SCRAM-SHA-256 verifiers", () => {
  it("match what PostgreSQL stores for the same password, salt and iterations", () => {
    const parsed = parseScramVerifier(POSTGRES_VERIFIER);
    expect(createScramVerifier("pencil", parsed.salt, parsed.iterations)).toBe(POSTGRES_VERIFIER);
  });

  it("never contain the secret and differ per salt", () => {
    const a = createScramVerifier("sk_secret");
    const b = createScramVerifier("sk_secret");
    expect(a).not.toContain("sk_secret");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it("refuse malformed verifiers", () => {
    expect(() => parseScramVerifier("md5abc")).toThrow(/not a SCRAM-SHA-256 verifier/);
    expect(() => parseScramVerifier("SCRAM-SHA-256$4096:c2FsdA==$YQ==:Yg==")).toThrow(/malformed/);
  });
});

describe("SCRAM exchange", () => {
  it("succeeds with the right secret and the client verifies the server", () => {
    const { client, result } = exchange("pencil", POSTGRES_VERIFIER);
    expect(result.ok).toBe(true);
    if (result.ok) expect(() => client.verifyServerFinal(result.serverFinal)).not.toThrow();
  });

  it("fails with a wrong secret", () => {
    expect(exchange("pencil2", POSTGRES_VERIFIER).result.ok).toBe(false);
  });

  it("runs to the end for an unknown user and fails, with a salt stable per name", () => {
    expect(exchange("pencil", null).result.ok).toBe(false);
    const first = createScramServer({ verifier: null, username: "ghost" }).handleClientFirst("n,,n=,r=abc");
    const second = createScramServer({ verifier: null, username: "ghost" }).handleClientFirst("n,,n=,r=abc");
    const salt = (text: string) => /s=([^,]+)/.exec(text)?.[1];
    expect(salt(first)).toBe(salt(second));
  });

  it("detects a tampered server signature", () => {
    const { client, result } = exchange("pencil", POSTGRES_VERIFIER);
    if (!result.ok) throw new Error("exchange failed");
    const tampered = `v=${Buffer.alloc(32, 7).toString("base64")}`;
    expect(() => client.verifyServerFinal(tampered)).toThrow(/server signature does not match/);
  });

  it("refuses channel binding, bad nonces and out-of-order messages", () => {
    const server = () => createScramServer({ verifier: POSTGRES_VERIFIER, username: "a" });
    expect(() => server().handleClientFirst("p=tls-server-end-point,,n=,r=abc")).toThrow(/channel binding/);
    expect(() => server().handleClientFirst("n,,n=,r=")).toThrow(/malformed/);
    expect(() => server().handleClientFirst("garbage")).toThrow(/malformed/);
    expect(() => server().handleClientFinal("c=biws,r=x,p=AAAA")).toThrow(/out of order/);
    const s = server();
    const first = s.handleClientFirst("n,,n=,r=abc");
    const nonce = /r=([^,]+)/.exec(first)?.[1];
    expect(() => s.handleClientFinal(`c=biws,r=${nonce}x,p=${Buffer.alloc(32).toString("base64")}`)).toThrow(
      /nonce/,
    );
  });

  it("accepts the y gs2 flag (client could bind, server offers none)", () => {
    const server = createScramServer({ verifier: POSTGRES_VERIFIER, username: "a" });
    expect(server.handleClientFirst("y,,n=,r=abc")).toMatch(/^r=abc/);
  });

  it("refuses a server nonce that does not extend the client's", () => {
    const client = createScramClient("pencil");
    expect(() => client.handleServerFirst("r=other,s=c2FsdA==,i=4096")).toThrow(/nonce/);
  });
});
