import { createScramServer } from "@sluice/secrets/scram-server";
import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import { ClientError } from "@sluice/session/client-error";
import { createUpstreamLogin } from "@sluice/session/upstream-login";
import { describe, expect, it } from "vitest";

const credentials = { connectionName: "shop", user: "app", database: "shop", password: "pencil", params: {} };

/** Drives the login as an upstream would, with a real SCRAM server on the other side. */
function scramUpTo(stage: "continue" | "final") {
  const login = createUpstreamLogin(credentials, false);
  const server = createScramServer({ verifier: createScramVerifier("pencil"), username: "app" });
  const initial = login.handle(
    { name: "authenticationSASL", mechanisms: ["SCRAM-SHA-256"] },
    Buffer.alloc(0),
  );
  const clientFirst = initial.toUpstream[0]?.subarray(5 + "SCRAM-SHA-256".length + 1 + 4).toString() ?? "";
  const serverFirst = server.handleClientFirst(clientFirst);
  const cont = login.handle({ name: "authenticationSASLContinue", data: serverFirst }, Buffer.alloc(0));
  const result = server.handleClientFinal(cont.toUpstream[0]?.subarray(5).toString() ?? "");
  if (stage === "final" && result.ok)
    login.handle({ name: "authenticationSASLFinal", data: result.serverFinal }, Buffer.alloc(0));
  return login;
}

describe("upstream login", () => {
  it("accepts AuthenticationOk once the upstream has proved itself with SASLFinal", () => {
    const login = scramUpTo("final");
    expect(login.handle({ name: "authenticationOk" }, Buffer.alloc(0))).toEqual({ toUpstream: [] });
  });

  it("refuses an upstream that skips SCRAM's server proof", () => {
    const login = scramUpTo("continue");
    expect(() => login.handle({ name: "authenticationOk" }, Buffer.alloc(0))).toThrow(
      /skipped SCRAM's server proof/,
    );
  });

  it("turns a forged server signature into the connection's FATAL", () => {
    const login = scramUpTo("continue");
    const attempt = () =>
      login.handle(
        { name: "authenticationSASLFinal", data: `v=${Buffer.alloc(32).toString("base64")}` },
        Buffer.alloc(0),
      );
    expect(attempt).toThrow(ClientError);
    expect(attempt).toThrow(/SCRAM with the upstream failed/);
  });
});
