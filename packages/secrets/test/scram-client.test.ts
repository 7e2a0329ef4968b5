import { createHmac, randomBytes } from "node:crypto";
import { createScramClient } from "@sluice/secrets/scram-client";
import { createScramServer } from "@sluice/secrets/scram-server";
import { createScramVerifier, parseScramVerifier } from "@sluice/secrets/scram-verifier";
import { describe, expect, it } from "vitest";
import { expectScramError } from "./expect-scram-error";
import { POSTGRES_VERIFIERS, RFC_7677 } from "./scram-fixtures";

/** Runs one exchange between our client and our server, the way the two halves of the gateway would. */
function exchange(password: string, verifier: string | null) {
  const client = createScramClient(password);
  const server = createScramServer({ verifier, username: "agent" });
  const serverFirst = server.handleClientFirst(client.clientFirst());
  const result = server.handleClientFinal(client.handleServerFirst(serverFirst));
  return { client, result };
}

function rfcClient() {
  return createScramClient(RFC_7677.password, {
    username: RFC_7677.username,
    generateNonce: () => RFC_7677.clientNonce,
  });
}

describe("SCRAM client: RFC 7677's published exchange", () => {
  it("sends the RFC's client-first and client-final messages and accepts its server signature", () => {
    const client = rfcClient();
    expect(client.clientFirst()).toBe(RFC_7677.clientFirst);
    expect(client.handleServerFirst(RFC_7677.serverFirst)).toBe(RFC_7677.clientFinal);
    expect(client.isServerVerified()).toBe(false);
    client.verifyServerFinal(RFC_7677.serverFinal);
    expect(client.isServerVerified()).toBe(true);
  });

  it("escapes ',' and '=' in the SCRAM username", () => {
    const client = createScramClient("x", { username: "a,b=c", generateNonce: () => "n" });
    expect(client.clientFirst()).toBe("n,,n=a=2Cb=3Dc,r=n");
  });
});

describe("SCRAM client against the gateway's server", () => {
  const secrets = ["pencil", generateSecret(), "café", "", "with spaces and ,=:$@ signs"];

  it.each(secrets)("round-trips with the right secret (%j) and verifies the server", (secret) => {
    const { client, result } = exchange(secret, createScramVerifier(secret));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    client.verifyServerFinal(result.serverFinal);
    expect(client.isServerVerified()).toBe(true);
  });

  it("round-trips many times with fresh tokens and salts", () => {
    for (let i = 0; i < 20; i++) {
      const secret = generateSecret();
      const { client, result } = exchange(secret, createScramVerifier(secret, randomBytes(16), 64));
      expect(result.ok).toBe(true);
      if (result.ok) client.verifyServerFinal(result.serverFinal);
    }
  });

  it("logs in against a verifier PostgreSQL produced", () => {
    expect(exchange("pencil", POSTGRES_VERIFIERS.pencil).result.ok).toBe(true);
    expect(exchange("café", POSTGRES_VERIFIERS.café).result.ok).toBe(true);
  });

  it.each(["pencil2", "Pencil", "pencil ", ""])("fails with a wrong secret (%j)", (wrong) => {
    expect(exchange(wrong, POSTGRES_VERIFIERS.pencil).result).toEqual({ ok: false });
  });

  it("fails for an unknown user even though the exchange runs to the end", () => {
    expect(exchange("pencil", null).result).toEqual({ ok: false });
  });
});

describe("SCRAM client: a server that is not who it claims to be", () => {
  it("detects a tampered server signature", () => {
    const { client, result } = exchange("pencil", POSTGRES_VERIFIERS.pencil);
    if (!result.ok) throw new Error("the exchange should have succeeded");
    const signature = Buffer.from(result.serverFinal.slice(2), "base64");
    signature[0] = (signature[0] ?? 0) ^ 1;
    expectScramError(() => client.verifyServerFinal(`v=${signature.toString("base64")}`), "server-signature");
    expect(client.isServerVerified()).toBe(false);
  });

  it("detects an impostor that knows the salt but signs with another verifier's ServerKey", () => {
    const client = rfcClient();
    const clientFinal = client.handleServerFirst(RFC_7677.serverFirst);
    const { serverKey } = parseScramVerifier(
      createScramVerifier("other", Buffer.from(RFC_7677.salt, "base64"), RFC_7677.iterations),
    );
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(",p="));
    const authMessage = `${RFC_7677.clientFirst.slice(3)},${RFC_7677.serverFirst},${withoutProof}`;
    const signature = createHmac("sha256", serverKey).update(authMessage).digest("base64");
    expectScramError(() => client.verifyServerFinal(`v=${signature}`), "server-signature");
  });

  it.each([
    ["an error attribute", "e=invalid-proof", "server-error"],
    ["a short signature", "v=AAAA", "server-signature"],
    ["a signature that is not base64", `v=${"*".repeat(44)}`, "malformed"],
    ["no signature", "x=1", "malformed"],
    ["garbage", "garbage", "malformed"],
  ] as const)("refuses a server-final-message with %s", (_, serverFinal, kind) => {
    const client = rfcClient();
    client.handleServerFirst(RFC_7677.serverFirst);
    expectScramError(() => client.verifyServerFinal(serverFinal), kind);
    expect(client.isServerVerified()).toBe(false);
  });

  const NONCE = `${RFC_7677.clientNonce}srv`;
  it.each([
    ["a nonce that does not extend the client's", "r=other,s=c2FsdA==,i=4096", "nonce-mismatch"],
    ["the client nonce unextended", `r=${RFC_7677.clientNonce},s=c2FsdA==,i=4096`, "nonce-mismatch"],
    ["a mandatory extension", `m=x,r=${NONCE},s=c2FsdA==,i=4096`, "unsupported"],
    ["an empty salt", `r=${NONCE},s=,i=4096`, "malformed"],
    ["a salt that is not base64", `r=${NONCE},s=c2F*dA==,i=4096`, "malformed"],
    ["zero iterations", `r=${NONCE},s=c2FsdA==,i=0`, "malformed"],
    ["iterations that are not a number", `r=${NONCE},s=c2FsdA==,i=4e3`, "malformed"],
    ["absurd iterations", `r=${NONCE},s=c2FsdA==,i=1000000000`, "malformed"],
    ["attributes out of order", `s=c2FsdA==,r=${NONCE},i=4096`, "malformed"],
    ["missing iterations", `r=${NONCE},s=c2FsdA==`, "malformed"],
  ] as const)("refuses a server-first-message with %s", (_, serverFirst, kind) => {
    expectScramError(() => rfcClient().handleServerFirst(serverFirst), kind);
  });

  it("accepts server-first extensions after the iterations", () => {
    expect(rfcClient().handleServerFirst(`r=${NONCE},s=c2FsdA==,i=1,x=ext`)).toMatch(/^c=biws,r=/);
  });

  it("runs each step once, in order", () => {
    expectScramError(() => rfcClient().verifyServerFinal(RFC_7677.serverFinal), "out-of-order");
    const client = rfcClient();
    client.handleServerFirst(RFC_7677.serverFirst);
    expectScramError(() => client.handleServerFirst(RFC_7677.serverFirst), "out-of-order");
    client.verifyServerFinal(RFC_7677.serverFinal);
    expectScramError(() => client.verifyServerFinal(RFC_7677.serverFinal), "out-of-order");
    expect(client.isServerVerified()).toBe(true);
  });
});

function generateSecret(): string {
  return `sk_${randomBytes(32).toString("base64url")}`;
}

describe("SCRAM server: several live tokens of one user", () => {
  const salt = randomBytes(16);
  const current = createScramVerifier("token-new", salt, 4096);
  const previous = createScramVerifier("token-old", salt, 4096);
  const otherSalt = createScramVerifier("token-elsewhere", randomBytes(16), 4096);

  function prove(password: string, alternates: string[]) {
    const client = createScramClient(password);
    const server = createScramServer({ verifier: current, alternates, username: "agent" });
    const result = server.handleClientFinal(
      client.handleServerFirst(server.handleClientFirst(client.clientFirst())),
    );
    if (result.ok) client.verifyServerFinal(result.serverFinal);
    return result;
  }

  it("accepts any token whose verifier shares the announced salt, and says which matched", () => {
    expect(prove("token-new", [previous])).toMatchObject({ ok: true, verifierIndex: 0 });
    expect(prove("token-old", [previous])).toMatchObject({ ok: true, verifierIndex: 1 });
  });

  it("refuses a token of another salt (its proof was made with the wrong one) and unknown tokens", () => {
    expect(prove("token-elsewhere", [otherSalt])).toEqual({ ok: false });
    expect(prove("token-old", [])).toEqual({ ok: false });
    expect(prove("guess", [previous])).toEqual({ ok: false });
  });

  it("never accepts through alternates when the user is unknown", () => {
    const client = createScramClient("token-old");
    const server = createScramServer({ verifier: null, alternates: [previous], username: "agent" });
    const serverFirst = server.handleClientFirst(client.clientFirst());
    expect(server.handleClientFinal(client.handleServerFirst(serverFirst))).toEqual({ ok: false });
  });
});
