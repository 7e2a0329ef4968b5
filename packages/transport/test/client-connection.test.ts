import { once } from "node:events";
import { duplexPair } from "node:stream";
import type { DecisionPoint, Verdict } from "@sluice/policy/verdict";
import { ClientError } from "@sluice/session/client-error";
import { ClientConnection } from "@sluice/transport/client-connection";
import {
  encodeCancelRequest,
  encodeQuery,
  encodeStartup,
  encodeTerminate,
} from "@sluice/wire/client-encoders";
import type { Frame } from "@sluice/wire/frame-buffer";
import { ServerCode } from "@sluice/wire/server-codes";
import { decodeServerFrame } from "@sluice/wire/server-decoder";
import { commandComplete, errorResponse, noticeResponse, readyForQuery } from "@sluice/wire/server-messages";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import {
  closeAfterTest,
  closeOpenStreams,
  errorOf,
  logIn,
  SHUTTING_DOWN,
  sendProof,
  setUp,
  types,
} from "./support/client-connection-harness";

afterEach(closeOpenStreams);

describe("ClientConnection", () => {
  it("logs in, greets with the gateway's own key, and relays a statement both ways", async () => {
    const { client, upstreamEnd, toUpstream, recorded, live } = setUp();
    const greeting = await logIn(client);
    expect(types(greeting)).toBe("RRSKZ"); // SASLFinal, AuthenticationOk, ParameterStatus, BackendKeyData, ReadyForQuery
    const key = decodeServerFrame(greeting[3] as Frame);
    expect(key).toMatchObject({ name: "backendKeyData" });
    expect(key.name === "backendKeyData" && key.processId).not.toBe(77);
    expect(live.map((session) => session.sessionId)).toEqual(["session-1"]);

    const sent = once(upstreamEnd, "data");
    client.socket.write(encodeQuery("SELECT 1"));
    await sent;
    expect(Buffer.concat(toUpstream)).toEqual(encodeQuery("SELECT 1"));
    const answer = Buffer.concat([commandComplete("SELECT 1"), readyForQuery("I")]);
    upstreamEnd.write(answer);
    const relayed = await client.until(ServerCode.ReadyForQuery);
    expect(Buffer.concat(relayed.map((frame) => frame.raw))).toEqual(answer);
    expect(Buffer.concat(recorded)).toEqual(answer);
  });

  it("sends SASLFinal and AuthenticationOk with the greeting, in one write", async () => {
    const { client } = setUp();
    const chunks: Buffer[] = [];
    await sendProof(client, () => client.socket.on("data", (chunk: Buffer) => chunks.push(chunk)));
    expect(types(await client.until(ServerCode.ReadyForQuery))).toBe("RRSKZ");
    expect(chunks).toHaveLength(1);
  });

  it("sends AuthenticationOk before the FATAL of a session that cannot open", async () => {
    const { client, deps } = setUp();
    deps.upstreams.acquire = async () => {
      throw ClientError.fatal("53300", "no pooled upstream login came free");
    };
    await sendProof(client);
    const frames = [await client.next(), await client.next(), await client.next()];
    expect(types(frames)).toBe("RRE");
    expect(errorOf(frames[2])).toMatchObject({ severity: "FATAL", code: "53300" });
  });

  it("relays what the upstream sent behind its login's ReadyForQuery after the greeting", async () => {
    const notice = noticeResponse({ severity: "NOTICE", code: "00000", message: "behind ready" });
    const { client } = setUp({ afterReady: notice });
    expect(types(await logIn(client))).toBe("RRSKZ");
    expect((await client.next()).raw).toEqual(notice);
  });

  it("sends a refused statement's stand-in upstream, never the statement", async () => {
    const { client, upstreamEnd, toUpstream } = setUp();
    await logIn(client);
    const sent = once(upstreamEnd, "data");
    client.socket.write(encodeQuery("SELECT bad"));
    await sent;
    const upstreamText = Buffer.concat(toUpstream).toString("latin1");
    // The statement itself never goes upstream (the stand-in's random hex may spell "bad").
    expect(upstreamText).not.toContain("SELECT bad");
    expect(upstreamText).toMatch(/sluice_refused_/);
  });

  it("ends the connection with a FATAL the client can read for an unsupported protocol", async () => {
    const { client, ended } = setUp();
    // A later major reads 3.0 messages; 2.0 gets the old format (protocol-robustness.int.test.ts).
    client.socket.write(encodeStartup({ user: "reporter", database: "shop" }, 4 << 16));
    const fatal = decodeServerFrame(await client.next());
    expect(fatal).toMatchObject({ name: "error", fields: { S: "FATAL", C: "0A000" } });
    await once(client.socket, "end");
    expect(ended).toEqual([]); // no session row was ever started
  });

  it("pauses the upstream while the client does not read, and resumes it when it does", async () => {
    const { client, upstreamEnd, gatewayUpstreamEnd } = setUp();
    await logIn(client);
    client.socket.pause();
    const paused = once(gatewayUpstreamEnd, "pause");
    const row = Buffer.concat([Buffer.from("D"), Buffer.from([0, 0, 0, 10, 0, 1, 0, 0, 0, 0])]);
    // 55 KB: more than the client stream buffers before its writes report backpressure.
    const rows = Buffer.concat(Array.from({ length: 5_000 }, () => row));
    upstreamEnd.write(Buffer.concat([rows, commandComplete("SELECT 5000"), readyForQuery("I")]));
    await paused;
    const resumed = once(gatewayUpstreamEnd, "resume");
    client.socket.resume();
    await resumed;
    const relayed = await client.until(ServerCode.ReadyForQuery);
    expect(relayed.length).toBe(5_002);
  });

  it("ends the session on Terminate and gives the upstream back idle, without forwarding it", async () => {
    const { client, sessionEnded, ended, released, releasedIdle, toUpstream } = setUp();
    await logIn(client);
    client.socket.end(encodeTerminate()); // and closes, as psql does
    await sessionEnded;
    expect(ended).toEqual([{ sessionId: "session-1", reason: "client terminated the session" }]);
    expect(released).toHaveLength(1);
    // A pool resets it for the next session; a Terminate would have ended the backend.
    expect(releasedIdle).toEqual([true]);
    expect(Buffer.concat(toUpstream).includes(encodeTerminate())).toBe(false);
  });

  it("gives the upstream back not idle when the client leaves with a statement in flight", async () => {
    const { client, sessionEnded, releasedIdle, toUpstream, live } = setUp();
    await logIn(client);
    client.socket.write(encodeQuery("SELECT pg_sleep(10)"));
    await until(() => Buffer.concat(toUpstream).includes(Buffer.from("pg_sleep")));
    // Ended from the gateway's side (as a revocation does) before the upstream answered.
    live[0]?.terminate(ClientError.fatal("28000", "revoked"));
    await sessionEnded;
    expect(releasedIdle).toEqual([false]);
  });

  it("routes a CancelRequest on another connection to the session's upstream", async () => {
    const first = setUp();
    const greeting = await logIn(first.client);
    const key = decodeServerFrame(greeting[3] as Frame);
    if (key.name !== "backendKeyData") throw new Error("no BackendKeyData");
    // The cancel arrives on a connection of its own, sharing the gateway's registry.
    const [cancelEnd, gatewayEnd] = duplexPair();
    closeAfterTest(cancelEnd, gatewayEnd);
    new ClientConnection(gatewayEnd, first.deps);
    const closed = once(gatewayEnd, "close");
    cancelEnd.write(encodeCancelRequest(key.processId, key.secretKey));
    await closed;
    expect(first.cancelled.map((upstream) => upstream.session.processId)).toEqual([77]);
  });

  it("ends the session when the upstream closes", async () => {
    const { client, upstreamEnd, sessionEnded, ended } = setUp();
    await logIn(client);
    upstreamEnd.end();
    await sessionEnded;
    expect(ended).toEqual([{ sessionId: "session-1", reason: "upstream closed the session" }]);
  });

  it("a shutdown lets the answer in flight reach the client, then sends its FATAL", async () => {
    const { connection, client, upstreamEnd } = setUp();
    await logIn(client);
    const sent = once(upstreamEnd, "data");
    client.socket.write(encodeQuery("SELECT 1"));
    await sent;
    const clientEnded = once(client.socket, "end");
    const shutDown = connection.shutDown(SHUTTING_DOWN, 60_000);
    upstreamEnd.write(Buffer.concat([commandComplete("SELECT 1"), readyForQuery("I")]));
    const frames = await client.until(ServerCode.ErrorResponse);
    expect(types(frames)).toBe("CZE");
    expect(errorOf(frames[2])).toMatchObject({ severity: "FATAL", code: "57P01" });
    await shutDown;
    await clientEnded;
  });

  it("a held statement refused at shutdown reaches its client before the FATAL", async () => {
    let release: (verdict: Verdict) => void = () => {};
    const held = new Promise<Verdict>((resolve) => {
      release = resolve;
    });
    const decisions: DecisionPoint = {
      openSession: () => ({
        decide: () => ({ kind: "hold", rule: "r", message: "held for review", release: held }),
        version: () => 0,
      }),
    };
    const { connection, client, upstreamEnd, toUpstream } = setUp({ decisions });
    await logIn(client);
    client.socket.write(encodeQuery("SELECT secret"));
    expect(types([await client.next()])).toBe("N"); // the hold notice
    // What the review broker does when it closes, then the server's close.
    const standInSent = once(upstreamEnd, "data");
    release({ kind: "deny", rule: "r", message: "the gateway shut down while the review was pending" });
    const shutDown = connection.shutDown(SHUTTING_DOWN, 60_000);
    await standInSent;
    const standIn = /sluice_refused_[0-9a-f]+/.exec(Buffer.concat(toUpstream).toString("latin1"))?.[0];
    upstreamEnd.write(
      Buffer.concat([
        errorResponse({ severity: "ERROR", code: "42601", message: `syntax error at or near "${standIn}"` }),
        readyForQuery("I"),
      ]),
    );
    const refusal = await client.until(ServerCode.ReadyForQuery);
    expect(types(refusal)).toBe("EZ");
    expect(errorOf(refusal[0])).toMatchObject({
      severity: "ERROR",
      message: "the gateway shut down while the review was pending",
    });
    expect(errorOf(await client.next())).toMatchObject({ severity: "FATAL", code: "57P01" });
    await shutDown;
  });

  it("a shutdown waits for an unanswered statement no longer than its cap", async () => {
    const { connection, client, upstreamEnd, sessionEnded } = setUp();
    await logIn(client);
    const sent = once(upstreamEnd, "data");
    client.socket.write(encodeQuery("SELECT pg_sleep(3600)"));
    await sent;
    await connection.shutDown(SHUTTING_DOWN, 0);
    expect(errorOf(await client.next())).toMatchObject({ severity: "FATAL", code: "57P01" });
    await sessionEnded;
  });

  it("a shutdown before the session opens sends its FATAL at once", async () => {
    const { connection, client, ended } = setUp();
    client.socket.write(encodeStartup({ user: "reporter", database: "shop" }));
    expect(decodeServerFrame(await client.next())).toMatchObject({ name: "authenticationSASL" });
    const clientEnded = once(client.socket, "end");
    await connection.shutDown(SHUTTING_DOWN, 60_000);
    expect(errorOf(await client.next())).toMatchObject({ severity: "FATAL", code: "57P01" });
    await clientEnded;
    expect(ended).toEqual([]);
  });
});
