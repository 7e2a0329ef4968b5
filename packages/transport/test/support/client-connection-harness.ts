/** A gateway ClientConnection over in-memory sockets, with the client and the upstream the test plays. */
import { type Duplex, duplexPair } from "node:stream";
import type { DecisionPoint } from "@sluice/policy/verdict";
import { createScramClient } from "@sluice/secrets/scram-client";
import { ClientError } from "@sluice/session/client-error";
import { testAgentRecord, testConnectionRecord } from "@sluice/session/testing";
import { CancelRegistry } from "@sluice/transport/cancel-registry";
import { ClientConnection, type LiveSession } from "@sluice/transport/client-connection";
import { encodeSaslInitialResponse, encodeSaslResponse, encodeStartup } from "@sluice/wire/client-encoders";
import { createServerFrameBuffer, type Frame } from "@sluice/wire/frame-buffer";
import { ServerCode } from "@sluice/wire/server-codes";
import { decodeServerFrame } from "@sluice/wire/server-decoder";
import { parameterStatus } from "@sluice/wire/server-messages";
import type { AuthenticatedUpstream, UpstreamLogins } from "../../src/upstream-logins";

export const TOKEN = "sl_transport_test_token";
const AGENT = testAgentRecord(TOKEN);
const CONNECTION = testConnectionRecord();
const REFUSE_BAD: DecisionPoint = {
  openSession: () => ({
    decide: ({ sql }) =>
      sql.includes("bad")
        ? { kind: "deny", rule: "r", message: 'blocked by guardrail "r"' }
        : { kind: "allow" },
    version: () => 0,
  }),
};

const open: Duplex[] = [];

/** Streams a test opened itself, destroyed with the harness's own after the test. */
export function closeAfterTest(...streams: Duplex[]): void {
  open.push(...streams);
}

/** Destroys the streams of every connection set up so far (call it after each test). */
export function closeOpenStreams(): void {
  for (const stream of open.splice(0)) stream.destroy();
}

/** A gateway connection over in-memory socket pairs, with an upstream the test plays. */
export function setUp(options: { afterReady?: Buffer; decisions?: DecisionPoint } = {}) {
  const [clientEnd, gatewayClientEnd] = duplexPair();
  const [gatewayUpstreamEnd, upstreamEnd] = duplexPair();
  open.push(clientEnd, gatewayClientEnd, gatewayUpstreamEnd, upstreamEnd);
  const toUpstream: Buffer[] = [];
  upstreamEnd.on("data", (chunk: Buffer) => toUpstream.push(chunk));
  const cancelled: AuthenticatedUpstream[] = [];
  const released: AuthenticatedUpstream[] = [];
  const releasedIdle: boolean[] = [];
  const upstreams: UpstreamLogins = {
    acquire: async ({ connection }) => {
      gatewayUpstreamEnd.pause();
      const frames = createServerFrameBuffer();
      // What the upstream sent behind its login's ReadyForQuery, already read by the login.
      if (options.afterReady) frames.push(options.afterReady);
      return {
        connection,
        socket: gatewayUpstreamEnd,
        frames,
        session: {
          parameterStatus: [parameterStatus("server_version", "18.1")],
          processId: 77,
          secretKey: Buffer.from([1, 1, 1, 1]),
          transactionStatus: "I",
        },
      };
    },
    release: (upstream, state) => {
      released.push(upstream);
      releasedIdle.push(state.isIdle);
      upstream.socket.destroy();
    },
    cancel: async (upstream) => {
      cancelled.push(upstream);
    },
  };
  const ended: Array<{ sessionId: string; reason: string }> = [];
  const recorded: Buffer[] = [];
  const live: LiveSession[] = [];
  let onEnd: () => void = () => {};
  const sessionEnded = new Promise<void>((resolve) => {
    onEnd = resolve;
  });
  const cancels = new CancelRegistry();
  const deps = {
    directory: {
      findAgent: async (name: string) => (name === AGENT.agentName ? AGENT : null),
      findConnection: async (name: string) => (name === CONNECTION.name ? CONNECTION : null),
    },
    decisions: options.decisions ?? REFUSE_BAD,
    upstreams,
    cancels,
    tlsContext: null,
    loginLimits: { retryAfterMs: () => 0, recordFailure: () => {}, recordSuccess: () => {} },
    hooks: {
      onSessionStart: async () => "session-1",
      onSessionEnd: (sessionId: string, reason: string) => {
        ended.push({ sessionId, reason });
        onEnd();
      },
      onClientBytes: (_sessionId: string, bytes: Buffer) => recorded.push(bytes),
    },
    log: () => {},
    track: (session: LiveSession) => {
      live.push(session);
      return () => live.splice(live.indexOf(session), 1);
    },
  };
  const connection = new ClientConnection(gatewayClientEnd, deps);
  const client = new ClientReader(clientEnd);
  return {
    connection,
    client,
    clientEnd,
    upstreamEnd,
    gatewayUpstreamEnd,
    toUpstream,
    cancelled,
    released,
    releasedIdle,
    ended,
    sessionEnded,
    recorded,
    live,
    deps,
  };
}

/** The client's side: reads the gateway's answers as messages, waiting on 'data' events. */
export class ClientReader {
  private readonly frames = createServerFrameBuffer();
  private readonly received: Frame[] = [];
  private waiter: (() => void) | null = null;

  constructor(readonly socket: Duplex) {
    socket.on("data", (chunk: Buffer) => {
      this.frames.push(chunk);
      for (let frame = this.frames.next(); frame; frame = this.frames.next()) this.received.push(frame);
      this.waiter?.();
    });
  }

  /** The next whole message from the gateway. */
  async next(): Promise<Frame> {
    while (this.received.length === 0) await new Promise<void>((resolve) => (this.waiter = resolve));
    return this.received.shift() as Frame;
  }

  /** Messages up to and including the next of type `type`. */
  async until(type: ServerCode): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (let frame = await this.next(); ; frame = await this.next()) {
      frames.push(frame);
      if (frame.kind === "tagged" && frame.type === type) return frames;
    }
  }
}

/** Startup and SCRAM as a client holding the token, up to its proof (`beforeProof` runs just before). */
export async function sendProof(client: ClientReader, beforeProof: () => void = () => {}): Promise<void> {
  client.socket.write(encodeStartup({ user: "reporter", database: "shop" }));
  await client.next(); // AuthenticationSASL
  const scram = createScramClient(TOKEN);
  client.socket.write(encodeSaslInitialResponse("SCRAM-SHA-256", scram.clientFirst()));
  const cont = decodeServerFrame(await client.next());
  if (cont.name !== "authenticationSASLContinue") throw new Error(`expected SASLContinue, got ${cont.name}`);
  beforeProof();
  client.socket.write(encodeSaslResponse(scram.handleServerFirst(cont.data)));
}

/** Startup and SCRAM as a client holding the token; resolves at the session's ReadyForQuery. */
export async function logIn(client: ClientReader): Promise<Frame[]> {
  await sendProof(client);
  return client.until(ServerCode.ReadyForQuery);
}

export const SHUTTING_DOWN = ClientError.fatal("57P01", "the Sluice gateway is shutting down");

/** The SQLSTATE and severity of an ErrorResponse frame. */
export function errorOf(frame: Frame | undefined): { severity?: string; code?: string; message?: string } {
  const decoded = decodeServerFrame(frame as Frame);
  if (decoded.name !== "error") throw new Error(`expected an ErrorResponse, got ${decoded.name}`);
  return { severity: decoded.fields.S, code: decoded.fields.C, message: decoded.fields.M };
}

export const types = (frames: Frame[]) =>
  frames.map((frame) => (frame.kind === "tagged" ? String.fromCharCode(frame.type) : "?")).join("");
