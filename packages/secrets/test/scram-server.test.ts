import { createScramServer } from "@sluice/secrets/scram-server";
import { createScramVerifier, parseScramVerifier } from "@sluice/secrets/scram-verifier";
import { describe, expect, it } from "vitest";
import { expectScramError } from "./expect-scram-error";
import { POSTGRES_VERIFIERS, RFC_7677 } from "./scram-fixtures";

const RFC_VERIFIER = createScramVerifier(
  RFC_7677.password,
  Buffer.from(RFC_7677.salt, "base64"),
  RFC_7677.iterations,
);
const PROOF_OF_ZEROS = Buffer.alloc(32).toString("base64");

function rfcServer() {
  return createScramServer({ verifier: RFC_VERIFIER, generateNonce: () => RFC_7677.serverNonce });
}

function serverAfterFirst(clientFirst = "n,,n=,r=abc") {
  const server = createScramServer({ verifier: POSTGRES_VERIFIERS.pencil });
  const serverFirst = server.handleClientFirst(clientFirst);
  const nonce = /^r=([^,]+)/.exec(serverFirst)?.[1] ?? "";
  return { server, nonce };
}

describe("SCRAM server: RFC 7677's published exchange", () => {
  it("answers with the RFC's server-first and server-final messages", () => {
    const server = rfcServer();
    expect(server.handleClientFirst(RFC_7677.clientFirst)).toBe(RFC_7677.serverFirst);
    expect(server.handleClientFinal(RFC_7677.clientFinal)).toEqual({
      ok: true,
      serverFinal: RFC_7677.serverFinal,
      verifierIndex: 0,
    });
  });

  it("accepts the messages as bytes", () => {
    const server = rfcServer();
    expect(server.handleClientFirst(Buffer.from(RFC_7677.clientFirst))).toBe(RFC_7677.serverFirst);
    expect(server.handleClientFinal(Buffer.from(RFC_7677.clientFinal)).ok).toBe(true);
  });

  it("refuses the same exchange when one bit of the proof differs", () => {
    const server = rfcServer();
    server.handleClientFirst(RFC_7677.clientFirst);
    const tampered = RFC_7677.clientFinal.replace("p=dHzb", "p=dHza");
    expect(server.handleClientFinal(tampered)).toEqual({ ok: false });
  });

  it("refuses the RFC's proof against a verifier for another password", () => {
    const salt = Buffer.from(RFC_7677.salt, "base64");
    const server = createScramServer({
      verifier: createScramVerifier("pencil2", salt, RFC_7677.iterations),
      generateNonce: () => RFC_7677.serverNonce,
    });
    expect(server.handleClientFirst(RFC_7677.clientFirst)).toBe(RFC_7677.serverFirst);
    expect(server.handleClientFinal(RFC_7677.clientFinal)).toEqual({ ok: false });
  });
});

describe("SCRAM server: client-first-message", () => {
  it("offers the verifier's salt and iterations with a fresh nonce that extends the client's", () => {
    const server = createScramServer({ verifier: POSTGRES_VERIFIERS.pencil });
    const { salt, iterations } = parseScramVerifier(POSTGRES_VERIFIERS.pencil);
    expect(server.handleClientFirst("n,,n=,r=abc")).toMatch(
      new RegExp(
        `^r=abc[A-Za-z0-9+/]{24},s=${salt.toString("base64").replace(/[+/]/g, "\\$&")},i=${iterations}$`,
      ),
    );
  });

  it("accepts the y flag (client could bind, the gateway offers no PLUS) and extensions", () => {
    expect(createScramServer({ verifier: RFC_VERIFIER }).handleClientFirst("y,,n=,r=abc")).toMatch(/^r=abc/);
    expect(createScramServer({ verifier: RFC_VERIFIER }).handleClientFirst("n,,n=*,r=abc,x=1")).toMatch(
      /^r=abc/,
    );
  });

  it("sizes the server nonce from nonceBytes and refuses a guessable one", () => {
    const server = createScramServer({ verifier: RFC_VERIFIER, nonceBytes: 30 });
    expect(/^r=abc([^,]+),/.exec(server.handleClientFirst("n,,n=,r=abc"))?.[1]).toHaveLength(40);
    expect(() => createScramServer({ verifier: RFC_VERIFIER, nonceBytes: 8 })).toThrow(RangeError);
  });

  it.each([
    ["channel binding (p=)", "p=tls-server-end-point,,n=,r=abc", "channel-binding"],
    ["an authorization identity", "n,a=admin,n=,r=abc", "unsupported"],
    ["a mandatory extension (m=)", "n,,m=ext,n=,r=abc", "unsupported"],
    ["an unknown gs2 flag", "x,,n=,r=abc", "malformed"],
    ["no gs2 header", "n=,r=abc", "malformed"],
    ["garbage", "garbage", "malformed"],
    ["an empty message", "", "malformed"],
    ["an empty nonce", "n,,n=,r=", "malformed"],
    ["a nonce with a non-printable character", "n,,n=,r=ab\u0001c", "malformed"],
    ["a nonce outside ASCII", "n,,n=,r=abé", "malformed"],
    ["the nonce before the username", "n,,r=abc,n=", "malformed"],
    ["no nonce", "n,,n=user", "malformed"],
    ["an attribute without a value separator", "n,,n=,r=abc,junk", "malformed"],
    ["a NUL byte", "n,,n=\0,r=abc", "malformed"],
  ] as const)("refuses %s", (_, message, kind) => {
    expectScramError(() => createScramServer({ verifier: RFC_VERIFIER }).handleClientFirst(message), kind);
  });

  it("refuses bytes that are not UTF-8 instead of replacing them", () => {
    const bytes = Buffer.concat([Buffer.from("n,,n="), Buffer.from([0xff]), Buffer.from(",r=abc")]);
    expectScramError(
      () => createScramServer({ verifier: RFC_VERIFIER }).handleClientFirst(bytes),
      "malformed",
    );
  });
});

describe("SCRAM server: client-final-message", () => {
  it.each([
    [
      "a channel binding that does not match the gs2 header",
      (n: string) => `c=eSws,r=${n},p=${PROOF_OF_ZEROS}`,
      "channel-binding",
    ],
    [
      "a nonce that only starts with the combined nonce",
      (n: string) => `c=biws,r=${n}x,p=${PROOF_OF_ZEROS}`,
      "nonce-mismatch",
    ],
    ["a truncated nonce", (n: string) => `c=biws,r=${n.slice(0, -1)},p=${PROOF_OF_ZEROS}`, "nonce-mismatch"],
    ["no proof", (n: string) => `c=biws,r=${n}`, "malformed"],
    ["the proof not last", (n: string) => `c=biws,p=${PROOF_OF_ZEROS},r=${n}`, "malformed"],
    ["attributes out of order", (n: string) => `r=${n},c=biws,p=${PROOF_OF_ZEROS}`, "malformed"],
    ["only a proof", () => `p=${PROOF_OF_ZEROS}`, "malformed"],
    ["a short proof", (n: string) => `c=biws,r=${n},p=AAAA`, "malformed"],
    ["a proof that is not base64", (n: string) => `c=biws,r=${n},p=${"*".repeat(44)}`, "malformed"],
    ["garbage", () => "garbage", "malformed"],
  ] as const)("refuses %s", (_, build, kind) => {
    const { server, nonce } = serverAfterFirst();
    expectScramError(() => server.handleClientFinal(build(nonce)), kind);
  });

  it("takes c=eSws (base64 of y,,) after a y flag, and refuses c=biws then", () => {
    const { server, nonce } = serverAfterFirst("y,,n=,r=abc");
    expect(server.handleClientFinal(`c=eSws,r=${nonce},p=${PROOF_OF_ZEROS}`)).toEqual({ ok: false });
    const second = serverAfterFirst("y,,n=,r=abc");
    expectScramError(
      () => second.server.handleClientFinal(`c=biws,r=${second.nonce},p=${PROOF_OF_ZEROS}`),
      "channel-binding",
    );
  });

  it("allows exactly one attempt, in order", () => {
    expectScramError(
      () => createScramServer({ verifier: RFC_VERIFIER }).handleClientFinal(RFC_7677.clientFinal),
      "out-of-order",
    );
    const server = rfcServer();
    server.handleClientFirst(RFC_7677.clientFirst);
    expectScramError(() => server.handleClientFirst(RFC_7677.clientFirst), "out-of-order");
    expect(server.handleClientFinal(RFC_7677.clientFinal).ok).toBe(true);
    expectScramError(() => server.handleClientFinal(RFC_7677.clientFinal), "out-of-order");
  });

  it("ends the exchange after a malformed message, so a retry cannot follow", () => {
    const server = rfcServer();
    expectScramError(() => server.handleClientFirst("garbage"), "malformed");
    expectScramError(() => server.handleClientFirst(RFC_7677.clientFirst), "out-of-order");
  });

  it("refuses a stored verifier that is not SCRAM", () => {
    expectScramError(() => createScramServer({ verifier: "md5abc" }), "invalid-verifier");
  });
});

describe("SCRAM server: unknown users", () => {
  const saltOf = (serverFirst: string) => /,s=([^,]+),/.exec(serverFirst)?.[1] ?? "";

  it("runs the exchange with a realistic salt and iterations, then fails", () => {
    const mock = createScramServer({
      verifier: null,
      username: "ghost",
      generateNonce: () => RFC_7677.serverNonce,
    });
    const serverFirst = mock.handleClientFirst(RFC_7677.clientFirst);
    expect(serverFirst).toMatch(
      /^r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj\)hNlF\$k0,s=[A-Za-z0-9+/]{22}==,i=4096$/,
    );
    const clientFinal = RFC_7677.clientFinal.replace(/p=.*$/, `p=${PROOF_OF_ZEROS}`);
    expect(mock.handleClientFinal(clientFinal)).toEqual({ ok: false });
  });

  it("fabricates the same salt for the same name and key, another for another name", () => {
    const mockSaltKey = Buffer.alloc(32, 9);
    const first = (username: string, key?: Buffer) =>
      saltOf(
        createScramServer({ verifier: null, username, mockSaltKey: key }).handleClientFirst("n,,n=,r=abc"),
      );
    expect(first("ghost", mockSaltKey)).toBe(first("ghost", mockSaltKey));
    expect(first("ghost", mockSaltKey)).not.toBe(first("phantom", mockSaltKey));
    expect(first("ghost", mockSaltKey)).not.toBe(first("ghost", Buffer.alloc(32, 8)));
    expect(first("ghost")).toBe(first("ghost"));
  });

  it("refuses malformed messages exactly as for a real user", () => {
    const mock = createScramServer({ verifier: null, username: "ghost" });
    expectScramError(() => mock.handleClientFirst("p=tls-server-end-point,,n=,r=abc"), "channel-binding");
  });
});
