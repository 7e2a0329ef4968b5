import type net from "node:net";
import tls from "node:tls";
import type { ColumnCatalogAccess } from "@sluice/policy/column-catalog";
import type { RelationLookup } from "@sluice/policy/search-path";
import type { DecisionPoint, Identity, Verdict } from "@sluice/policy/verdict";
import { createClientAuth } from "@sluice/session/client-auth";
import { ClientError } from "@sluice/session/client-error";
import {
  type AgentRecord,
  type ConnectionRecord,
  type Directory,
  isAgentAllowed,
} from "@sluice/session/directory";
import {
  authenticationOk,
  backendKeyData,
  cancelRequestBytes,
  errorBytes,
  negotiateProtocolVersion,
  readyForQuery,
  singleByte,
} from "@sluice/session/protocol-bytes";
import type { RateLimiter } from "@sluice/session/rate-limiter";
import { Relay, type RelayStep } from "@sluice/session/relay";
import { ResultMasker, type SessionMasking } from "@sluice/session/result-masker";
import { validateStartupParams } from "@sluice/session/startup-params";
import { createUpstreamLogin, type UpstreamSession } from "@sluice/session/upstream-login";
import { type ClientMessage, decodeClientFrame } from "@sluice/wire/client-messages";
import {
  admitAuthenticated,
  createClientFrameBuffer,
  createServerFrameBuffer,
  type Frame,
} from "@sluice/wire/frame-buffer";
import { PROTOCOL_3_0 } from "@sluice/wire/limits";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { decodeServerFrame } from "@sluice/wire/server-decoder";
import { WireError } from "@sluice/wire/wire-error";
import type { CancelRegistry } from "./cancel-registry";
import { connectUpstream } from "./upstream-socket";

/** The first byte of a TLS handshake record: a client that starts TLS at once (sslnegotiation=direct). */
const TLS_HANDSHAKE_RECORD = 0x16;
/**
 * The ALPN protocol PostgreSQL 17+ requires for direct TLS and accepts (if offered) after SSLRequest.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
 */
const ALPN_PROTOCOLS = ["postgresql"];

/** A client that connects and says nothing is dropped, like PostgreSQL's authentication_timeout. */
export const AUTHENTICATION_TIMEOUT_MS = 60_000;

export type SessionInfo = {
  agent: AgentRecord;
  connection: ConnectionRecord;
  clientAddress: string;
  isTls: boolean;
};

export type SessionHooks = {
  /** Called before the first statement can reach the upstream; returns the session's id. */
  onSessionStart: (info: SessionInfo) => Promise<string>;
  onSessionEnd: (sessionId: string, reason: string) => void;
  onVerdict?: (sessionId: string, sql: string, verdict: Verdict) => void;
  /** Every write of whole messages the relay sends the client, after masking (what a recording shows). */
  onClientBytes?: (sessionId: string, bytes: Buffer) => void;
};

export type { SessionMasking };

export type MaskingService = {
  openSession: (identity: Identity, connection: ConnectionRecord) => Promise<SessionMasking | null>;
};

export type ClientConnectionDeps = {
  /**
   * Keys the fabricated SCRAM salts of unknown agents. Stable across restarts, so a name that
   * does not exist cannot be told apart by its salt changing.
   */
  mockSaltKey?: Buffer;
  /** Absent: results are relayed unmasked (tests of the bare relay). */
  masking?: MaskingService;
  directory: Directory;
  decisions: DecisionPoint;
  /** Where relations live upstream, read with the connection's own login (absent: never asked). */
  lookupRelations?: (connection: ConnectionRecord) => RelationLookup;
  /** The upstream's relations and columns, for lineage and column rules (absent: names only, fail closed). */
  columnCatalog?: (connection: ConnectionRecord) => ColumnCatalogAccess;
  cancels: CancelRegistry;
  /** Null: TLS is off and SSLRequest is answered 'N'. */
  tlsContext: tls.SecureContext | null;
  failuresByAgent: RateLimiter;
  failuresByAddress: RateLimiter;
  hooks: SessionHooks;
  log: (line: string) => void;
  /** Lets the gateway end live sessions (revocation) with a FATAL. */
  track: (session: LiveSession) => () => void;
};

export type LiveSession = {
  sessionId: string;
  agentId: string;
  credentialId: string;
  connectionId: string;
  terminate: (error: ClientError) => void;
};

type Phase = "startup" | "authenticating" | "connecting" | "relaying" | "closed";

/**
 * One agent connection: startup, TLS, authentication, the upstream login, then the relay. All
 * protocol decisions live in @sluice/session; this class only moves bytes and owns the sockets.
 */
export class ClientConnection {
  private client: net.Socket | tls.TLSSocket;
  private upstream: net.Socket | tls.TLSSocket | null = null;
  private readonly clientFrames = createClientFrameBuffer();
  private readonly upstreamFrames = createServerFrameBuffer();
  private phase: Phase = "startup";
  private isTls = false;
  /** Client frames wait here while an asynchronous step (lookup, login, decision) is running. */
  private readonly pending: Frame[] = [];
  private isBusy = false;
  private auth: ReturnType<typeof createClientAuth> | null = null;
  private agent: AgentRecord | null = null;
  private connection: ConnectionRecord | null = null;
  private startupParams: Record<string, string> = {};
  private startupSettings: ReadonlyArray<{ name: string; value: string }> = [];
  private requestedConnectionName = "";
  private relay: Relay | null = null;
  /** Null when no masking rule applies to this session: upstream messages pass as they are. */
  private masker: ResultMasker | null = null;
  private sessionId: string | null = null;
  private cleanups: Array<() => void> = [];
  private readonly authTimer: NodeJS.Timeout;
  private endReason = "client disconnected";

  constructor(
    socket: net.Socket,
    private readonly deps: ClientConnectionDeps,
  ) {
    this.client = socket;
    socket.setNoDelay(true);
    this.attachClient(socket);
    this.authTimer = setTimeout(
      () => this.fail(ClientError.fatal("08006", "authentication timed out")),
      AUTHENTICATION_TIMEOUT_MS,
    );
  }

  private get clientAddress(): string {
    const raw = this.client.remoteAddress ?? "unknown";
    return raw.startsWith("::ffff:") ? raw.slice(7) : raw;
  }

  private attachClient(socket: net.Socket | tls.TLSSocket): void {
    socket.on("data", (chunk: Buffer) => this.onClientData(chunk));
    socket.on("error", () => {}); // 'close' follows; resets are normal client behaviour
    socket.on("close", () => this.close(this.endReason));
  }

  private onClientData(chunk: Buffer): void {
    if (this.isDirectTlsStart(chunk)) {
      this.startDirectTls(chunk);
      return;
    }
    try {
      this.clientFrames.push(chunk);
      for (let frame = this.clientFrames.next(); frame; frame = this.clientFrames.next()) {
        this.pending.push(frame);
      }
      this.drain();
    } catch (error) {
      if (error instanceof WireError && !error.isToldToClient) {
        this.deps.log(`closed ${this.clientAddress}: ${error.message}`);
        this.endReason = error.message;
        this.destroy();
        return;
      }
      this.fail(error);
    }
  }

  /** Processes queued client frames in order; an async step pauses the queue until it settles. */
  private drain(): void {
    // A pipelined batch (Bind/Execute/Sync, or many queries) reaches the upstream in one write.
    const upstream = this.upstream;
    upstream?.cork();
    try {
      this.drainFrames();
    } finally {
      upstream?.uncork();
    }
  }

  private drainFrames(): void {
    while (!this.isBusy && this.pending.length > 0 && this.phase !== "closed") {
      const frame = this.pending.shift() as Frame;
      let result: void | Promise<void>;
      try {
        result = this.handleClientFrame(frame);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (result instanceof Promise) {
        this.isBusy = true;
        this.client.pause();
        result.then(
          () => {
            this.isBusy = false;
            if (this.phase !== "closed") this.client.resume();
            this.drain();
          },
          (error: unknown) => this.fail(error),
        );
      }
    }
  }

  private handleClientFrame(frame: Frame): void | Promise<void> {
    const message = decodeClientFrame(frame);
    switch (this.phase) {
      case "startup":
        return this.handleStartupMessage(message);
      case "authenticating":
        return this.handleAuthMessage(message);
      case "relaying":
        return this.handleRelayMessage(message, frame.raw);
      default:
        throw ClientError.fatal("08P01", `unexpected ${message.name} message before the session is ready`);
    }
  }

  private handleStartupMessage(message: ClientMessage): void | Promise<void> {
    switch (message.name) {
      case "sslRequest":
        if (this.isTls || !this.deps.tlsContext) {
          this.client.write(singleByte("N"));
          return;
        }
        // Bytes after the SSLRequest would be read as if they had come over TLS (CVE-2021-23214).
        if (this.clientFrames.buffered() > 0 || this.pending.length > 0) {
          throw ClientError.fatal("08P01", "unencrypted data after SSL request");
        }
        this.client.write(singleByte("S"));
        return this.upgradeToTls();
      case "gssencRequest":
        this.client.write(singleByte("N"));
        return;
      case "cancelRequest":
        this.deps.cancels.cancel(message.processId, message.secretKey);
        this.endReason = "cancel request";
        this.destroy();
        return;
      case "startup":
        return this.handleStartup(message.protocolVersion, message.params);
      default:
        throw ClientError.fatal("08P01", `expected a startup message, got ${message.name}`);
    }
  }

  /**
   * A connection whose first byte opens a TLS handshake instead of an SSLRequest (PostgreSQL 17+,
   * sslnegotiation=direct). Without TLS configured it falls through to the startup framing, which
   * closes on it as the server does.
   */
  private isDirectTlsStart(chunk: Buffer): boolean {
    return (
      this.phase === "startup" &&
      !this.isTls &&
      this.deps.tlsContext !== null &&
      this.clientFrames.totalConsumed() === 0 &&
      this.clientFrames.buffered() === 0 &&
      chunk[0] === TLS_HANDSHAKE_RECORD
    );
  }

  /** The handshake's first bytes go back to the socket, for the TLS layer to read them first. */
  private startDirectTls(chunk: Buffer): void {
    const plain = this.client as net.Socket;
    plain.pause();
    plain.unshift(chunk);
    this.isBusy = true;
    this.upgradeToTls(true).then(
      () => {
        this.isBusy = false;
        this.drain();
      },
      (error: unknown) => this.fail(error),
    );
  }

  private upgradeToTls(isDirect = false): Promise<void> {
    const plain = this.client as net.Socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    const secure = new tls.TLSSocket(plain, {
      isServer: true,
      secureContext: this.deps.tlsContext ?? undefined,
      // A client that offers ALPN without "postgresql" fails the handshake, as with the server.
      ALPNProtocols: ALPN_PROTOCOLS,
    });
    this.client = secure;
    this.isTls = true;
    return new Promise((resolve, reject) => {
      secure.once("secure", () => {
        // Direct TLS without ALPN could be another protocol's client: the server closes silently.
        if (isDirect && secure.alpnProtocol !== "postgresql") {
          this.deps.log(`closed ${this.clientAddress}: direct TLS without ALPN "postgresql"`);
          this.endReason = "direct TLS without ALPN";
          this.destroy();
          resolve();
          return;
        }
        this.attachClient(secure);
        resolve();
      });
      secure.once("error", (error) =>
        reject(ClientError.fatal("08P01", `TLS handshake failed: ${error.message}`)),
      );
    });
  }

  private async handleStartup(protocolVersion: number, params: Record<string, string>): Promise<void> {
    if (protocolVersion >>> 16 !== 3) {
      throw ClientError.fatal(
        "0A000",
        `unsupported frontend protocol ${protocolVersion >>> 16}.${protocolVersion & 0xffff}: Sluice speaks 3.0`,
      );
    }
    const request = validateStartupParams(params);
    this.startupParams = request.passThrough;
    this.startupSettings = request.settings;
    this.requestedConnectionName = request.connectionName;
    const limitKeyAgent = `agent:${request.agentName}`;
    const limitKeyAddress = `addr:${this.clientAddress}`;
    const retryMs = Math.max(
      this.deps.failuresByAgent.retryAfterMs(limitKeyAgent),
      this.deps.failuresByAddress.retryAfterMs(limitKeyAddress),
    );
    if (retryMs > 0) {
      throw ClientError.fatal(
        "28000",
        `too many failed authentication attempts; try again in ${Math.ceil(retryMs / 1000)} s`,
      );
    }
    const [agent, connection] = await Promise.all([
      this.deps.directory.findAgent(request.agentName),
      this.deps.directory.findConnection(request.connectionName),
    ]);
    if (connection?.requireClientTls && !this.isTls) {
      throw ClientError.fatal(
        "28000",
        `connection "${request.connectionName}" requires TLS`,
        "use sslmode=require or stricter",
      );
    }
    this.agent = agent;
    this.connection = connection;
    this.auth = createClientAuth(request.agentName, agent?.scramVerifier ?? null, this.deps.mockSaltKey);
    this.phase = "authenticating";
    const negotiation = negotiateDown(protocolVersion, request.protocolOptions);
    this.client.write(negotiation ? Buffer.concat([negotiation, this.auth.begin()]) : this.auth.begin());
  }

  private handleAuthMessage(message: ClientMessage): void | Promise<void> {
    if (message.name !== "authResponse" || !this.auth) {
      throw ClientError.fatal("08P01", `expected an authentication response, got ${message.name}`);
    }
    const agentName = this.agent?.agentName ?? this.startupParams["user"] ?? "";
    let step: ReturnType<typeof this.auth.handle>;
    try {
      step = this.auth.handle(message.body);
    } catch (error) {
      if (error instanceof ClientError && error.code === "28P01") {
        const name = (error.message.match(/agent "(.*)"/)?.[1] ?? agentName) as string;
        this.deps.failuresByAgent.recordFailure(`agent:${name}`);
        this.deps.failuresByAddress.recordFailure(`addr:${this.clientAddress}`);
        this.deps.log(`authentication failed for agent "${name}" from ${this.clientAddress}`);
      }
      throw error;
    }
    this.client.write(Buffer.concat(step.toClient));
    if (!step.isAuthenticated) return;
    return this.afterAuthentication();
  }

  private async afterAuthentication(): Promise<void> {
    const agent = this.agent as AgentRecord; // a null agent can never authenticate
    this.deps.failuresByAgent.recordSuccess(`agent:${agent.agentName}`);
    this.deps.failuresByAddress.recordSuccess(`addr:${this.clientAddress}`);
    const connection = this.connection;
    if (!connection) {
      throw ClientError.fatal("3D000", `connection "${this.requestedConnectionName}" does not exist`);
    }
    if (!isAgentAllowed(agent, connection)) {
      throw ClientError.fatal(
        "42501",
        `agent "${agent.agentName}" is not allowed on connection "${connection.name}"`,
        "an admin can add one of the agent's groups to the connection",
      );
    }
    clearTimeout(this.authTimer);
    admitAuthenticated(this.clientFrames);
    this.phase = "connecting";
    this.client.write(authenticationOk());
    const login = await this.loginUpstream(connection);
    this.sessionId = await this.deps.hooks.onSessionStart({
      agent,
      connection,
      clientAddress: this.clientAddress,
      isTls: this.isTls,
    });
    const identity: Identity = {
      agentId: agent.agentId,
      agentName: agent.agentName,
      groups: agent.groups,
      connectionId: connection.connectionId,
      connectionName: connection.name,
      sessionId: this.sessionId,
    };
    // Before the first statement: a session that cannot learn what to mask does not start.
    const masking = (await this.deps.masking?.openSession(identity, connection)) ?? null;
    this.masker = masking ? new ResultMasker(masking) : null;
    const sessionId = this.sessionId;
    const lookupRelations = this.deps.lookupRelations?.(connection);
    const columns = this.deps.columnCatalog?.(connection);
    this.relay = new Relay({
      decisions: this.deps.decisions.openSession(identity, {
        login: connection.user,
        startupSettings: this.startupSettings,
        ...(lookupRelations ? { lookupRelations } : {}),
        ...(columns ? { columns } : {}),
      }),
      onVerdict: (sql, verdict) => this.deps.hooks.onVerdict?.(sessionId, sql, verdict),
      sendNow: (bytes) => this.writeRelayed(bytes),
    });
    this.relay.observeLoginParameters(login.parameterStatus);
    const upstreamKey = { processId: login.processId, secretKey: login.secretKey };
    const key = this.deps.cancels.register({
      // A statement held for review is not at the upstream yet: cancelling withdraws it instead.
      cancel: () => {
        if (this.relay?.withdrawHeld("canceling statement due to user request while it waited for approval"))
          return;
        void this.sendUpstreamCancel(connection, upstreamKey);
      },
    });
    this.cleanups.push(key.unregister);
    this.cleanups.push(
      this.deps.track({
        sessionId,
        agentId: agent.agentId,
        credentialId: agent.credentialId,
        connectionId: connection.connectionId,
        terminate: (error) => {
          this.endReason = error.message;
          this.fail(error);
        },
      }),
    );
    this.phase = "relaying";
    this.client.write(
      Buffer.concat([
        ...login.parameterStatus,
        backendKeyData(key.processId, key.secretKey),
        readyForQuery(login.transactionStatus),
      ]),
    );
  }

  private async loginUpstream(connection: ConnectionRecord): Promise<UpstreamSession> {
    const { socket, isTls } = await connectUpstream(connection);
    this.upstream = socket;
    socket.setNoDelay?.(true);
    const login = createUpstreamLogin(
      {
        connectionName: connection.name,
        user: connection.user,
        database: connection.database,
        password: connection.password,
        params: this.startupParams,
      },
      isTls,
    );
    return new Promise<UpstreamSession>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        try {
          this.upstreamFrames.push(chunk);
          for (let frame = this.upstreamFrames.next(); frame; frame = this.upstreamFrames.next()) {
            const step = login.handle(decodeServerFrame(frame), frame.raw);
            if (step.toUpstream.length > 0) socket.write(Buffer.concat(step.toUpstream));
            if (step.done) {
              socket.off("data", onData);
              this.attachUpstream(socket);
              resolve(step.done);
              // Anything the upstream sent after ReadyForQuery belongs to the relay.
              if (this.upstreamFrames.buffered() > 0) this.onUpstreamData(Buffer.alloc(0));
              return;
            }
          }
        } catch (error) {
          socket.off("data", onData);
          reject(error);
        }
      };
      socket.on("data", onData);
      socket.once("error", (error) =>
        reject(ClientError.fatal("08006", `connection "${connection.name}": ${error.message}`)),
      );
      socket.once("close", () =>
        reject(
          ClientError.fatal("08006", `connection "${connection.name}": the upstream closed during login`),
        ),
      );
      socket.write(login.startup());
    });
  }

  private attachUpstream(socket: net.Socket | tls.TLSSocket): void {
    socket.removeAllListeners("error");
    socket.removeAllListeners("close");
    socket.on("data", (chunk: Buffer) => this.onUpstreamData(chunk));
    socket.on("error", (error) => this.deps.log(`upstream error: ${error.message}`));
    socket.on("close", () => {
      if (this.phase !== "closed") {
        this.endReason = "upstream closed the session";
        this.close(this.endReason);
      }
    });
  }

  private onUpstreamData(chunk: Buffer): void {
    const relay = this.relay;
    if (!relay) return;
    try {
      if (chunk.length > 0) this.upstreamFrames.push(chunk);
      if (this.masker) this.relayMasked(relay, this.masker, chunk.length);
      else this.relayPlain(relay);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Upstream messages as they are: the chunk's own bytes when it held whole messages only. */
  private relayPlain(relay: Relay): void {
    const out: Buffer[] = [];
    for (let frame = this.upstreamFrames.next(); frame; frame = this.upstreamFrames.next()) {
      if (frame.kind !== "tagged") continue;
      out.push(relay.beforeUpstreamMessage(frame.type, frame.body) ?? frame.raw);
    }
    if (out.length > 0) this.writeRelayed(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  /** Upstream messages masked into one buffer: rows are rewritten where they go, one write per read. */
  private relayMasked(relay: Relay, masker: ResultMasker, chunkBytes: number): void {
    // Masked values can be longer than the originals (a placeholder for a short value): some room.
    const out = new OutputBuffer(chunkBytes + (chunkBytes >> 2) + 256);
    for (let frame = this.upstreamFrames.next(); frame; frame = this.upstreamFrames.next()) {
      if (frame.kind !== "tagged") continue;
      // Sluice's own denial in place of the server's error for a refusal's stand-in: nothing to
      // mask, but the masker still follows what the server answered.
      const replacement = relay.beforeUpstreamMessage(frame.type, frame.body);
      if (replacement) {
        masker.follow(frame.type, frame.body);
        out.append(replacement);
      } else masker.maskInto(frame.type, frame.body, frame.raw, out);
    }
    if (out.size > 0) this.writeRelayed(out.take());
  }

  /**
   * Writes relay output (whole messages) to the client, then shows it to the recording hook: the
   * client is not kept waiting while its result is recorded (the bytes are never changed after this).
   */
  private writeRelayed(bytes: Buffer): void {
    this.writeClient(bytes);
    if (this.sessionId) this.deps.hooks.onClientBytes?.(this.sessionId, bytes);
  }

  /** Backpressure: a slow client pauses the upstream instead of growing the gateway's memory. */
  private writeUpstream(bytes: Buffer): void {
    const upstream = this.upstream;
    if (upstream && !upstream.write(bytes)) {
      this.client.pause();
      upstream.once("drain", () => this.client.resume());
    }
  }

  private writeClient(bytes: Buffer): void {
    if (!this.client.write(bytes) && this.upstream) {
      const upstream = this.upstream;
      upstream.pause();
      this.client.once("drain", () => upstream.resume());
    }
  }

  private handleRelayMessage(message: ClientMessage, raw: Buffer): void | Promise<void> {
    const relay = this.relay as Relay;
    const step = relay.handleClient(message, raw);
    if (step instanceof Promise) return step.then((resolved) => this.applyStep(resolved));
    this.applyStep(step);
  }

  private applyStep(step: RelayStep): void {
    if (step.toClient.length > 0) this.writeRelayed(Buffer.concat(step.toClient));
    const toUpstream = this.masker ? this.withMaskerAsks(this.masker, step) : step.toUpstream;
    if (toUpstream.length > 0) {
      this.writeUpstream(toUpstream.length === 1 ? (toUpstream[0] as Buffer) : Buffer.concat(toUpstream));
    }
    if (step.isClosing) {
      this.endReason = "client terminated the session";
      this.upstream?.end();
      this.client.end();
    }
  }

  /** Every message going upstream is noted by the masker, which may ask for one of its own first. */
  private withMaskerAsks(masker: ResultMasker, step: RelayStep): Buffer[] {
    const out: Buffer[] = [];
    for (const message of step.toUpstream) {
      const before = masker.noteSent(message, step.scope);
      if (before) out.push(before);
      out.push(message);
    }
    return out;
  }

  private async sendUpstreamCancel(
    connection: ConnectionRecord,
    key: { processId: number; secretKey: Buffer },
  ): Promise<void> {
    try {
      const { socket } = await connectUpstream(connection);
      socket.end(cancelRequestBytes(key.processId, key.secretKey));
      socket.on("error", () => {});
    } catch (error) {
      this.deps.log(`cancel for connection "${connection.name}" failed: ${String(error)}`);
    }
  }

  /** Ends this client with an error it can read; never lets an exception reach the process. */
  private fail(error: unknown): void {
    if (this.phase === "closed") return;
    let clientError: ClientError;
    if (error instanceof ClientError) clientError = error;
    else if (error instanceof WireError) clientError = ClientError.fatal(error.code, error.message);
    else {
      this.deps.log(
        `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      clientError = ClientError.internal();
    }
    this.endReason = clientError.message;
    const fatal = new ClientError("FATAL", clientError.code, clientError.message, clientError.hint);
    try {
      this.client.end(errorBytes(fatal));
    } catch {
      this.client.destroy();
    }
    this.close(this.endReason);
  }

  private destroy(): void {
    this.client.destroy();
    this.close(this.endReason);
  }

  private close(reason: string): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    clearTimeout(this.authTimer);
    this.relay?.withdrawHeld(`the session ended while the statement waited for approval (${reason})`);
    for (const cleanup of this.cleanups) cleanup();
    this.cleanups = [];
    this.upstream?.destroy();
    // Give a FATAL already queued to the client a moment to flush before the socket goes.
    setTimeout(() => this.client.destroy(), 1000).unref();
    if (this.sessionId) this.deps.hooks.onSessionEnd(this.sessionId, reason);
  }
}

/**
 * A client asking for a newer minor version (PG18's 3.2) or protocol options (`_pq_.*`) is told
 * what this gateway speaks (3.0, no options) and continues; that is how the protocol negotiates.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NEGOTIATEPROTOCOLVERSION
 */
function negotiateDown(protocolVersion: number, protocolOptions: string[]): Buffer | null {
  if (protocolVersion === PROTOCOL_3_0 && protocolOptions.length === 0) return null;
  return negotiateProtocolVersion(PROTOCOL_3_0 & 0xffff, protocolOptions);
}
