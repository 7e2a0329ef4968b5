import { createScramClient } from "@sluice/secrets/scram-client";
import { AuthenticationFailed, ConnectionRefused, LoginLimited } from "@sluice/session/connection-failures";
import {
  ConnectionPhases,
  type LoginLimits,
  type PhaseNext,
  type PhaseStep,
} from "@sluice/session/connection-phases";
import type { ConnectionRecord, Directory } from "@sluice/session/directory";
import { errorBytes } from "@sluice/session/protocol-bytes";
import { testAgentRecord, testConnectionRecord } from "@sluice/session/testing";
import {
  encodeCancelRequest,
  encodeSaslInitialResponse,
  encodeSaslResponse,
  encodeSslRequest,
  encodeStartup,
} from "@sluice/wire/client-encoders";
import { type ClientMessage, decodeClientFrame } from "@sluice/wire/client-messages";
import { createClientFrameBuffer } from "@sluice/wire/frame-buffer";
import { PROTOCOL_3_0, PROTOCOL_3_2 } from "@sluice/wire/limits";
import { ServerCode } from "@sluice/wire/server-codes";
import { describe, expect, it } from "vitest";

/** An ErrorResponse's fields by code; null for the pre-3.0 format, which has none. */
function errorBody(bytes: Buffer): Record<string, string> | null {
  if (bytes[0] !== 0x45 || bytes.readInt32BE(1) !== bytes.length - 1) return null;
  const fields: Record<string, string> = {};
  let at = 5;
  while (bytes[at] !== 0) {
    const end = bytes.indexOf(0, at + 1);
    fields[String.fromCharCode(bytes[at] as number)] = bytes.toString("utf8", at + 1, end);
    at = end + 1;
  }
  return fields;
}

const TOKEN = "sl_token_for_the_tests";
const ADDRESS = "10.0.0.7";

const AGENT = testAgentRecord(TOKEN);
const CONNECTION = testConnectionRecord({ host: "127.0.0.1" });

type Recorded = { failures: string[]; successes: string[]; lookups: number };

function setUp(
  options: {
    connection?: Partial<ConnectionRecord> | null;
    isTlsAvailable?: boolean;
    limits?: Partial<LoginLimits>;
    findLogin?: Directory["findLogin"];
  } = {},
) {
  const recorded: Recorded = { failures: [], successes: [], lookups: 0 };
  const connection = options.connection === null ? null : { ...CONNECTION, ...options.connection };
  const directory: Directory = {
    findAgent: async (name) => {
      recorded.lookups += 1;
      return name === AGENT.agentName ? AGENT : null;
    },
    findConnection: async (name) => (connection && name === connection.name ? connection : null),
    ...(options.findLogin ? { findLogin: options.findLogin } : {}),
  };
  const limits: LoginLimits = {
    retryAfterMs: () => 0,
    recordFailure: (address, agentName) => recorded.failures.push(`${address}/${agentName}`),
    recordSuccess: (address, agentName) => recorded.successes.push(`${address}/${agentName}`),
    ...options.limits,
  };
  const logs: string[] = [];
  const phases = new ConnectionPhases({
    directory,
    limits,
    clientAddress: ADDRESS,
    isTlsAvailable: options.isTlsAvailable ?? true,
    log: (line) => logs.push(line),
  });
  return { phases, recorded, logs };
}

/** Client bytes, framed and decoded the way the transport does it. */
function decode(bytes: Buffer, isAfterStartup = false): ClientMessage {
  const frames = createClientFrameBuffer();
  if (isAfterStartup) frames.setMode("tagged");
  frames.push(bytes);
  const frame = frames.next();
  if (!frame) throw new Error("not one whole message");
  return decodeClientFrame(frame);
}

const startup = (
  user: string,
  database = "shop",
  version = PROTOCOL_3_0,
  extra: Record<string, string> = {},
) => decode(encodeStartup({ user, database, ...extra }, version));

async function step(phases: ConnectionPhases, message: ClientMessage, unread = 0): Promise<PhaseStep> {
  return await phases.handle(message, unread);
}

function failure(next: PhaseNext) {
  if (next.kind !== "fail") throw new Error(`expected a failure, got ${next.kind}`);
  return next;
}

/** The types of the tagged messages in `bytes`, as letters. */
function messageTypes(buffers: Buffer[]): string {
  const bytes = Buffer.concat(buffers);
  let types = "";
  for (let at = 0; at < bytes.length; at += 1 + bytes.readInt32BE(at + 1)) {
    types += String.fromCharCode(bytes[at] as number);
  }
  return types;
}

/** Runs SCRAM as a client holding `token` would, through the phase machine. */
async function authenticate(phases: ConnectionPhases, token: string): Promise<PhaseStep> {
  const client = createScramClient(token);
  const initial = encodeSaslInitialResponse("SCRAM-SHA-256", client.clientFirst());
  const cont = await step(phases, decode(initial, true));
  expect(cont.next.kind).toBe("read");
  const serverFirst = (cont.toClient[0] as Buffer).subarray(9).toString();
  return step(phases, decode(encodeSaslResponse(client.handleServerFirst(serverFirst)), true));
}

describe("ConnectionPhases, before the startup message", () => {
  it("answers SSLRequest with 'S' and asks for TLS, or 'N' when TLS is off or already on", async () => {
    const { phases } = setUp();
    expect(await step(phases, decode(encodeSslRequest()))).toEqual({
      toClient: [Buffer.from("S")],
      next: { kind: "startTls" },
    });
    phases.markTls();
    expect(await step(phases, decode(encodeSslRequest()))).toEqual({
      toClient: [Buffer.from("N")],
      next: { kind: "read" },
    });
    const off = setUp({ isTlsAvailable: false }).phases;
    expect((await step(off, decode(encodeSslRequest()))).toClient).toEqual([Buffer.from("N")]);
  });

  it("refuses plaintext bytes already sent behind an SSLRequest (CVE-2021-23214)", async () => {
    const { phases } = setUp();
    const next = failure((await step(phases, decode(encodeSslRequest()), 8)).next);
    expect(next.error).toMatchObject({
      severity: "FATAL",
      code: "08P01",
      message: "unencrypted data after SSL request",
    });
  });

  it("declines GSSENCRequest and hands a CancelRequest's key to the transport", async () => {
    const { phases } = setUp();
    expect(await step(phases, decode(Buffer.from([0, 0, 0, 8, 4, 210, 22, 48])))).toEqual({
      toClient: [Buffer.from("N")],
      next: { kind: "read" },
    });
    const cancel = await step(phases, decode(encodeCancelRequest(4242, Buffer.from([1, 2, 3, 4]))));
    expect(cancel).toEqual({
      toClient: [],
      next: { kind: "cancel", processId: 4242, secretKey: Buffer.from([1, 2, 3, 4]) },
    });
  });

  it("recognises a direct TLS start only as the very first byte, with TLS configured", () => {
    const { phases } = setUp();
    expect(phases.isDirectTlsStart(0x16, 0)).toBe(true);
    expect(phases.isDirectTlsStart(0x16, 8)).toBe(false);
    expect(phases.isDirectTlsStart(0x00, 0)).toBe(false);
    expect(setUp({ isTlsAvailable: false }).phases.isDirectTlsStart(0x16, 0)).toBe(false);
    phases.markTls();
    expect(phases.isDirectTlsStart(0x16, 0)).toBe(false);
  });

  it("refuses protocol 2 and anything but a startup message first", async () => {
    const { phases } = setUp();
    const old = failure((await step(phases, startup("reporter", "shop", 2 << 16))).next);
    expect(old.error).toMatchObject({
      code: "0A000",
      message: expect.stringMatching(/unsupported frontend protocol 2\.0/),
    });
    // A later major is answered in the 3.0 format with the server's source fields, as the server does.
    const later = failure((await step(setUp().phases, startup("reporter", "shop", 4 << 16))).next);
    const fields = errorBody(errorBytes(later.error));
    expect(fields).toEqual({
      S: "FATAL",
      V: "FATAL",
      C: "0A000",
      M: "unsupported frontend protocol 4.0: server supports 3.0 to 3.2",
      F: "backend_startup.c",
      L: "732",
      R: "ProcessStartupPacket",
    });
    // Protocol 2.0 gets the old format, which has no fields at all.
    expect(errorBody(errorBytes(old.error))).toBeNull();
    const query = failure((await step(setUp().phases, { name: "query", sql: "SELECT 1" })).next);
    // Sluice's own refusals carry no source: no server code raises them.
    expect(Object.keys(errorBody(errorBytes(query.error)) ?? {})).toEqual(["S", "V", "C", "M"]);
    expect(query.error).toMatchObject({ code: "08P01", message: "expected a startup message, got query" });
  });
});

describe("ConnectionPhases, authentication", () => {
  it("offers SCRAM, and after a good proof sends AuthenticationOk and opens the session", async () => {
    const { phases, recorded } = setUp();
    const begin = await step(phases, startup("reporter", "shop", PROTOCOL_3_0, { application_name: "etl" }));
    expect(messageTypes(begin.toClient)).toBe("R");
    expect(begin.toClient[0]?.includes("SCRAM-SHA-256")).toBe(true);
    expect(phases.phase).toBe("authenticating");
    const done = await authenticate(phases, TOKEN);
    expect(messageTypes(done.toClient)).toBe("RR"); // SASLFinal, then AuthenticationOk
    expect(done.toClient[1]).toEqual(Buffer.from([ServerCode.Authentication, 0, 0, 0, 8, 0, 0, 0, 0]));
    expect(done.next).toEqual({
      kind: "openSession",
      client: {
        agent: AGENT,
        connection: CONNECTION,
        startupParams: { application_name: "etl" },
        startupSettings: [{ name: "application_name", value: "etl" }],
      },
    });
    expect(phases.phase).toBe("authenticated");
    expect(recorded.successes).toEqual([`${ADDRESS}/reporter`]);
  });

  it("reads the agent and the connection in one lookup when the directory offers it", async () => {
    const asked: string[] = [];
    const { phases, recorded } = setUp({
      findLogin: async (agentName, connectionName) => {
        asked.push(`${agentName}@${connectionName}`);
        return { agent: AGENT, connection: CONNECTION };
      },
    });
    await step(phases, startup("reporter", CONNECTION.name));
    const done = await authenticate(phases, TOKEN);
    expect(asked).toEqual([`reporter@${CONNECTION.name}`]);
    expect(recorded.lookups).toBe(0);
    expect(done.next).toMatchObject({
      kind: "openSession",
      client: { agent: AGENT, connection: CONNECTION },
    });
  });

  it("tells a 3.2 client it speaks 3.0 before offering SCRAM", async () => {
    const { phases } = setUp();
    const begin = await step(phases, startup("reporter", "shop", PROTOCOL_3_2));
    expect(messageTypes(begin.toClient)).toBe("vR");
  });

  it("fails a wrong token as AuthenticationFailed naming the agent, counted and delayed as the limits say", async () => {
    const { phases, recorded, logs } = setUp({
      limits: { failureDelayMs: (name) => (name === "reporter" ? 250 : 0) },
    });
    await step(phases, startup("reporter"));
    const next = failure((await authenticate(phases, "sl_wrong")).next);
    expect(next.error).toBeInstanceOf(AuthenticationFailed);
    expect(next.error).toMatchObject({ agentName: "reporter", code: "28P01", severity: "FATAL" });
    expect(next.afterMs).toBe(250);
    expect(recorded.failures).toEqual([`${ADDRESS}/reporter`]);
    expect(logs).toEqual([`authentication failed for agent "reporter" from ${ADDRESS}`]);
  });

  it("runs the whole exchange for an unknown agent and fails it exactly like a wrong token", async () => {
    const { phases, recorded } = setUp();
    await step(phases, startup("nobody"));
    const next = failure((await authenticate(phases, TOKEN)).next);
    expect(next.error).toMatchObject({
      agentName: "nobody",
      code: "28P01",
      message: 'authentication failed for agent "nobody"',
    });
    expect(next.afterMs).toBe(0);
    expect(recorded.failures).toEqual([`${ADDRESS}/nobody`]);
  });

  it("refuses a limited address before reading the directory", async () => {
    const { phases, recorded } = setUp({ limits: { retryAfterMs: () => 12_500 } });
    const next = failure((await step(phases, startup("reporter"))).next);
    expect(next.error).toBeInstanceOf(LoginLimited);
    expect(next.error).toMatchObject({
      code: "28000",
      retryAfterMs: 12_500,
      message: expect.stringMatching(/try again in 13 s/),
    });
    expect(recorded.lookups).toBe(0);
  });

  it("refuses a connection that requires TLS over plaintext, and serves it once TLS is on", async () => {
    const plain = setUp({ connection: { requireClientTls: true } }).phases;
    const next = failure((await step(plain, startup("reporter"))).next);
    expect(next.error).toBeInstanceOf(ConnectionRefused);
    expect(next.error).toMatchObject({ reason: "requires-tls", connectionName: "shop", code: "28000" });
    const secure = setUp({ connection: { requireClientTls: true } }).phases;
    secure.markTls();
    expect((await step(secure, startup("reporter"))).next).toEqual({ kind: "read" });
  });

  it("says a connection does not exist, or is not the agent's, only after authentication", async () => {
    const missing = setUp({ connection: null }).phases;
    expect((await step(missing, startup("reporter"))).next.kind).toBe("read");
    const gone = failure((await authenticate(missing, TOKEN)).next);
    expect(gone.error).toMatchObject({ reason: "unknown-connection", code: "3D000" });
    const foreign = setUp({ connection: { allowedGroups: ["finance"] } }).phases;
    await step(foreign, startup("reporter"));
    const refused = failure((await authenticate(foreign, TOKEN)).next);
    expect(refused.error).toMatchObject({ reason: "not-allowed", code: "42501" });
  });

  it("refuses a statement before authentication and anything once authenticated", async () => {
    const { phases } = setUp();
    await step(phases, startup("reporter"));
    const early = failure((await step(phases, { name: "query", sql: "SELECT 1" })).next);
    expect(early.error).toMatchObject({
      code: "08P01",
      message: "expected an authentication response, got query",
    });
    const done = setUp().phases;
    await step(done, startup("reporter"));
    await authenticate(done, TOKEN);
    const late = failure((await step(done, { name: "sync" })).next);
    expect(late.error).toMatchObject({ code: "08P01" });
  });
});
