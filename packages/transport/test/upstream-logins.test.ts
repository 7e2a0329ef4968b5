import { once } from "node:events";
import { type Duplex, duplexPair } from "node:stream";
import { createScramServer } from "@sluice/secrets/scram-server";
import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import { UpstreamLoginFailed } from "@sluice/session/connection-failures";
import { testConnectionRecord } from "@sluice/session/testing";
import {
  type ClientMessage,
  decodeClientFrame,
  parseSASLInitialResponse,
  parseSASLResponse,
} from "@sluice/wire/client-messages";
import { createClientFrameBuffer } from "@sluice/wire/frame-buffer";
import { CANCEL_REQUEST_CODE } from "@sluice/wire/limits";
import {
  authenticationOk,
  authenticationSASL,
  authenticationSASLContinue,
  authenticationSASLFinal,
  backendKeyData,
  commandComplete,
  errorResponse,
  noticeResponse,
  parameterStatus,
  readyForQuery,
} from "@sluice/wire/server-messages";
import { describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { createDirectUpstreamLogins } from "../src/upstream-logins";

const CONNECTION = testConnectionRecord({ allowedGroups: [] });

const UPSTREAM_KEY = Buffer.from([9, 8, 7, 6]);

/**
 * The upstream's end of an in-memory socket pair: reads what the gateway sends as messages and
 * answers through `respond`, built with the wire package's server-message builders.
 */
function fakeUpstream(
  respond: (message: ClientMessage, reply: (...bytes: Buffer[]) => void, end: Duplex) => void,
) {
  const [gatewaySide, upstreamSide] = duplexPair();
  const received: ClientMessage[] = [];
  const frames = createClientFrameBuffer();
  upstreamSide.on("data", (chunk: Buffer) => {
    frames.push(chunk);
    for (let frame = frames.next(); frame; frame = frames.next()) {
      const message = decodeClientFrame(frame);
      received.push(message);
      respond(message, (...bytes) => upstreamSide.write(Buffer.concat(bytes)), upstreamSide);
    }
  });
  return { gatewaySide, upstreamSide, received };
}

/** A PostgreSQL that asks for SCRAM with the connection's password, then sends one notice after ReadyForQuery. */
function scramUpstream() {
  const server = createScramServer({ verifier: createScramVerifier("pencil"), username: "app" });
  return fakeUpstream((message, reply) => {
    if (message.name === "startup") return reply(authenticationSASL(["SCRAM-SHA-256"]));
    if (message.name !== "authResponse") return;
    const initial = tryInitial(message.body);
    if (initial) return reply(authenticationSASLContinue(server.handleClientFirst(initial)));
    const result = server.handleClientFinal(parseSASLResponse(message.body));
    if (!result.ok)
      return reply(
        errorResponse({ severity: "FATAL", code: "28P01", message: "password authentication failed" }),
      );
    reply(
      authenticationSASLFinal(result.serverFinal),
      authenticationOk(),
      parameterStatus("server_version", "18.1"),
      // PostgreSQL 18 reports it: nothing more is asked before the session is handed over.
      parameterStatus("search_path", '"$user", public'),
      backendKeyData(4242, UPSTREAM_KEY),
      readyForQuery("I"),
      noticeResponse({ severity: "NOTICE", code: "00000", message: "after ready" }),
    );
  });
}

function tryInitial(body: Buffer): string | null {
  try {
    return parseSASLInitialResponse(body).initialResponse?.toString() ?? null;
  } catch {
    return null;
  }
}

/** A DataRow of one text value, built here byte by byte. */
function dataRow(value: string): Buffer {
  const bytes = Buffer.from(value);
  const body = Buffer.alloc(6 + bytes.length);
  body.writeInt16BE(1, 0);
  body.writeInt32BE(bytes.length, 2);
  bytes.copy(body, 6);
  const header = Buffer.from([0x44, 0, 0, 0, 0]);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** A PostgreSQL 15 (trust): no search_path in its ParameterStatus; `answer` replies to a query. */
function olderUpstream(answer: (sql: string) => Buffer[]) {
  return fakeUpstream((message, reply) => {
    if (message.name === "startup")
      return reply(
        authenticationOk(),
        parameterStatus("server_version", "15.10"),
        backendKeyData(4242, UPSTREAM_KEY),
        readyForQuery("I"),
      );
    if (message.name === "query") reply(...answer(message.sql));
  });
}

describe("an upstream that does not report search_path", () => {
  it("is asked for it before the session is handed over", async () => {
    const upstream = olderUpstream((sql) => [
      Buffer.from([0x54, 0, 0, 0, 6, 0, 0]),
      dataRow(sql.includes("current_setting('search_path')") ? "hr, public" : "?"),
      commandComplete("SELECT 1"),
      readyForQuery("I"),
    ]);
    const logins = createDirectUpstreamLogins({
      connect: async () => ({ socket: upstream.gatewaySide, isTls: false }),
      log: () => {},
    });
    const acquired = await logins.acquire({ connection: CONNECTION, startupParams: {} });
    expect(acquired.session.unreportedSearchPath).toBe("hr, public");
    expect(acquired.socket.isPaused()).toBe(true);
    expect(acquired.frames.next()).toBeNull();
    logins.release(acquired, { isIdle: true });
  });

  it("fails the login when the path cannot be read (names are never judged on a guess)", async () => {
    const upstream = olderUpstream(() => [
      errorResponse({ severity: "ERROR", code: "42501", message: "permission denied" }),
      readyForQuery("I"),
    ]);
    const logins = createDirectUpstreamLogins({
      connect: async () => ({ socket: upstream.gatewaySide, isTls: false }),
      log: () => {},
    });
    const attempt = logins.acquire({ connection: CONNECTION, startupParams: {} });
    await expect(attempt).rejects.toBeInstanceOf(UpstreamLoginFailed);
    await expect(attempt).rejects.toMatchObject({ message: expect.stringMatching(/search_path/) });
    expect(upstream.gatewaySide.destroyed).toBe(true);
  });
});

describe("direct upstream logins", () => {
  it("logs in with SCRAM and hands over a paused socket with what came after ReadyForQuery", async () => {
    const upstream = scramUpstream();
    const logins = createDirectUpstreamLogins({
      connect: async () => ({ socket: upstream.gatewaySide, isTls: false }),
      log: () => {},
    });
    const acquired = await logins.acquire({
      connection: CONNECTION,
      startupParams: { application_name: "etl" },
    });
    expect(acquired.session).toMatchObject({
      processId: 4242,
      secretKey: UPSTREAM_KEY,
      transactionStatus: "I",
    });
    expect(acquired.session.parameterStatus).toEqual([
      parameterStatus("server_version", "18.1"),
      parameterStatus("search_path", '"$user", public'),
    ]);
    expect(acquired.session.unreportedSearchPath).toBeUndefined();
    expect(acquired.socket.isPaused()).toBe(true);
    const leftover = acquired.frames.next();
    expect(leftover?.raw).toEqual(
      noticeResponse({ severity: "NOTICE", code: "00000", message: "after ready" }),
    );
    const first = upstream.received[0];
    expect(first?.name).toBe("startup");
    if (first?.name === "startup") {
      expect(first.params).toMatchObject({ user: "app", database: "shop", application_name: "etl" });
    }
    logins.release(acquired, { isIdle: true });
    await until(() => upstream.received.some((message) => message.name === "terminate"));
  });

  it("turns the upstream's refusal of the brokered password into the connection's FATAL", async () => {
    const upstream = fakeUpstream((message, reply) => {
      if (message.name === "startup")
        reply(
          errorResponse({
            severity: "FATAL",
            code: "28P01",
            message: 'password authentication failed for user "app"',
          }),
        );
    });
    const logins = createDirectUpstreamLogins({
      connect: async () => ({ socket: upstream.gatewaySide, isTls: false }),
      log: () => {},
    });
    const attempt = logins.acquire({ connection: CONNECTION, startupParams: {} });
    await expect(attempt).rejects.toBeInstanceOf(UpstreamLoginFailed);
    await expect(attempt).rejects.toMatchObject({
      connectionName: "shop",
      code: "08004",
      message: expect.not.stringContaining('user "app"'),
    });
    expect(upstream.gatewaySide.destroyed).toBe(true);
  });

  it("fails clearly when the upstream closes during the login", async () => {
    const upstream = fakeUpstream((message, _reply, end) => {
      if (message.name === "startup") end.end();
    });
    const logins = createDirectUpstreamLogins({
      connect: async () => ({ socket: upstream.gatewaySide, isTls: false }),
      log: () => {},
    });
    await expect(logins.acquire({ connection: CONNECTION, startupParams: {} })).rejects.toMatchObject({
      code: "08006",
      message: 'connection "shop": the upstream closed during login',
    });
  });

  it("refuses a cleartext password request on a connection without TLS", async () => {
    const upstream = fakeUpstream((message, reply) => {
      if (message.name === "startup") reply(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
    });
    const logins = createDirectUpstreamLogins({
      connect: async () => ({ socket: upstream.gatewaySide, isTls: false }),
      log: () => {},
    });
    await expect(logins.acquire({ connection: CONNECTION, startupParams: {} })).rejects.toMatchObject({
      code: "08004",
      message: expect.stringMatching(/cleartext password on a connection without TLS/),
    });
    expect(upstream.received.map((message) => message.name)).toEqual(["startup"]);
  });

  it("cancels with the upstream's own key over a new connection", async () => {
    const login = scramUpstream();
    const cancelBytes: Buffer[] = [];
    const [cancelGatewaySide, cancelUpstreamSide] = duplexPair();
    cancelUpstreamSide.on("data", (chunk: Buffer) => cancelBytes.push(chunk));
    const sockets = [login.gatewaySide, cancelGatewaySide];
    const logins = createDirectUpstreamLogins({
      connect: async () => ({ socket: sockets.shift() as Duplex, isTls: false }),
      log: () => {},
    });
    const acquired = await logins.acquire({ connection: CONNECTION, startupParams: {} });
    const ended = once(cancelUpstreamSide, "end");
    cancelUpstreamSide.resume();
    await logins.cancel(acquired);
    await ended;
    const sent = Buffer.concat(cancelBytes);
    expect(sent.readInt32BE(0)).toBe(16);
    expect(sent.readInt32BE(4)).toBe(CANCEL_REQUEST_CODE);
    expect(sent.readInt32BE(8)).toBe(4242);
    expect(sent.subarray(12)).toEqual(UPSTREAM_KEY);
  });

  it("logs a cancel it could not deliver instead of throwing", async () => {
    const lines: string[] = [];
    const login = scramUpstream();
    let calls = 0;
    const logins = createDirectUpstreamLogins({
      connect: async () => {
        calls += 1;
        if (calls > 1) throw new Error("ECONNREFUSED");
        return { socket: login.gatewaySide, isTls: false };
      },
      log: (line) => lines.push(line),
    });
    const acquired = await logins.acquire({ connection: CONNECTION, startupParams: {} });
    await logins.cancel(acquired);
    expect(lines).toEqual(['cancel for connection "shop" failed: Error: ECONNREFUSED']);
  });
});
