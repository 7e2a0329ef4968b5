import type tls from "node:tls";
import { ClientError } from "@sluice/session/client-error";
import {
  type AuthenticatedClient,
  ConnectionPhases,
  type PhaseStep,
} from "@sluice/session/connection-phases";
import type { Relay } from "@sluice/session/relay";
import type { RelayStep } from "@sluice/session/relay-step";
import type { ResultMasker } from "@sluice/session/result-masker";
import { openSessionRelay, sessionReadyBytes } from "@sluice/session/session-start";
import { judgeConnectSettings } from "@sluice/session/startup-judgement";
import { clientToUpstream, upstreamToClient } from "@sluice/session/upstream-output";
import {
  type ClientMessage,
  decodeClientFrame,
  decodeTaggedMessage,
  NameMemo,
} from "@sluice/wire/client-messages";
import { admitAuthenticated, createClientFrameBuffer, type Frame } from "@sluice/wire/frame-buffer";
import { WireError } from "@sluice/wire/wire-error";
import { clientAddressOf } from "./client-address";
import { isUndecodable } from "./client-failure";
import { closingFatal, endWithFatal } from "./closing-error";
import type { ClientConnectionDeps, ClientSocket } from "./connection-deps";
import { AUTHENTICATION_TIMEOUT_MS, FATAL_FLUSH_MS } from "./limits";
import { QuietSignal } from "./quiet-signal";
import { SessionUpstream } from "./session-upstream";
import { upgradeToTls } from "./tls-upgrade";

export type { SessionHooks, SessionInfo } from "@sluice/session/session-start";
export type { ClientConnectionDeps, ClientSocket, LiveSession } from "./connection-deps";

/** The relay once the session is open: what the upstream's bytes and the client's statements go through. */
type Relaying = { relay: Relay; masker: ResultMasker | null };

/**
 * One agent connection's sockets. The decisions are @sluice/session's (ConnectionPhases before the
 * relay, Relay after it) and return the bytes to send; this class reads, writes them in order and
 * closes. The upstream login is the UpstreamLogins driver's; the open session's upstream, with
 * backpressure both ways and its release, is SessionUpstream's.
 */
export class ClientConnection {
  private client: ClientSocket;
  /** The session's upstream, from its login until it is released. */
  private upstream: SessionUpstream | null = null;
  private readonly clientFrames = createClientFrameBuffer();
  /** The names this client's Binds carry, read once (see NameMemo). */
  private readonly names = new NameMemo();
  private readonly phases: ConnectionPhases;
  private relaying: Relaying | null = null;
  /** Set once the session's row exists: from then on its end is reported, however it ends. */
  private sessionId: string | null = null;
  private isTls = false;
  private isClosed = false;
  private isTerminating = false;
  /**
   * Client frames wait here while an asynchronous step (lookup, login, decision) is running. Once
   * the session relays, a message is its bytes alone (see `FrameBuffer.nextRaw`): no Frame each.
   */
  private readonly pending: (Frame | Buffer)[] = [];
  private isBusy = false;
  private cleanups: Array<() => void> = [];
  private readonly authTimer: NodeJS.Timeout;
  private endReason = "client disconnected";
  /** SASLFinal and AuthenticationOk, held for the greeting's write while the session opens. */
  private authenticatedBytes: Buffer | null = null;
  /** What a shutdown waits on: nothing read, judged or owed by the upstream (see `shutDown`). */
  private readonly quiet = new QuietSignal(() => this.isQuiet());
  /** Read once (client-address.ts): the TLS socket that replaces the accepted one would ask again. */
  private readonly clientAddress: string;

  constructor(
    socket: ClientSocket,
    private readonly deps: ClientConnectionDeps,
  ) {
    this.client = socket;
    this.clientAddress = clientAddressOf(socket);
    socket.setNoDelay?.(true);
    this.phases = new ConnectionPhases({
      directory: deps.directory,
      limits: deps.loginLimits,
      clientAddress: this.clientAddress,
      isTlsAvailable: deps.tlsContext !== null,
      ...(deps.mockSaltKey ? { mockSaltKey: deps.mockSaltKey } : {}),
      log: deps.log,
      ...(deps.hooks.onLoginRefused ? { onLoginRefused: deps.hooks.onLoginRefused } : {}),
    });
    this.attachClient(socket);
    this.authTimer = setTimeout(
      () => this.fail(ClientError.fatal("08006", "authentication timed out")),
      AUTHENTICATION_TIMEOUT_MS,
    );
  }

  private attachClient(socket: ClientSocket): void {
    socket.on("data", (chunk: Buffer) => this.onClientData(chunk));
    socket.on("error", () => {}); // 'close' follows; resets are normal client behaviour
    socket.on("close", () => this.close(this.endReason));
  }

  private onClientData(chunk: Buffer): void {
    if (
      this.phases.isDirectTlsStart(chunk[0], this.clientFrames.totalConsumed() + this.clientFrames.buffered())
    ) {
      // The handshake's first bytes go back to the socket, for the TLS layer to read them first.
      this.client.pause();
      this.client.unshift(chunk);
      this.runAsync(this.startTls(true));
      return;
    }
    try {
      this.clientFrames.push(chunk);
      if (this.relaying) {
        for (let raw = this.clientFrames.nextRaw(); raw; raw = this.clientFrames.nextRaw()) {
          this.pending.push(raw);
        }
      } else {
        for (let frame = this.clientFrames.next(); frame; frame = this.clientFrames.next()) {
          this.pending.push(frame);
        }
      }
      this.drain(chunk);
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

  /**
   * Processes queued client frames in order; an async step pauses the queue until it settles.
   * @param read the client read that queued them, when this drain follows it at once.
   */
  private drain(read?: Buffer): void {
    // A pipelined batch (Bind/Execute/Sync, or many queries) reaches the upstream in one write.
    const upstream = this.upstream;
    upstream?.gather();
    try {
      while (!this.isBusy && this.pending.length > 0 && !this.isClosed) {
        const frame = this.pending.shift() as Frame | Buffer;
        let result: void | Promise<void>;
        try {
          result = this.handleClientFrame(frame);
        } catch (error) {
          this.fail(error);
          return;
        }
        if (result instanceof Promise) this.runAsync(result);
      }
    } finally {
      upstream?.flushGathered(read);
    }
    this.quiet.progress();
  }

  /**
   * Ends the connection for a gateway shutdown with `error`. Before the session opens, at once;
   * after, what is already in flight (a held statement's refusal, on its way through the upstream)
   * reaches the client first, for at most `drainMs`, then the FATAL.
   */
  async shutDown(error: ClientError, drainMs: number): Promise<void> {
    if (this.relaying) await this.quiet.wait(drainMs);
    this.endReason = error.message;
    this.fail(error);
  }

  /** Nothing waits to be read, judged or answered: the client has every answer it asked for. */
  private isQuiet(): boolean {
    if (this.isClosed) return true;
    return !this.isBusy && this.pending.length === 0 && (this.relaying?.relay.isSettled ?? true);
  }

  /** Reading stops until `work` settles; then the queue goes on, or the connection fails. */
  private runAsync(work: Promise<void>): void {
    this.isBusy = true;
    this.client.pause();
    work.then(
      () => {
        this.isBusy = false;
        if (!this.isClosed) this.client.resume();
        this.drain();
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** `frame`: a Frame, or a tagged message's bytes alone once the session relays. */
  private handleClientFrame(frame: Frame | Buffer): void | Promise<void> {
    const isRaw = Buffer.isBuffer(frame);
    let message: ClientMessage;
    try {
      message = isRaw ? decodeTaggedMessage(frame, this.names) : decodeClientFrame(frame, this.names);
    } catch (error) {
      // Text that is not UTF-8 is an ERROR for that one message, as the server makes it.
      if (!this.relaying || !(isRaw || frame.kind === "tagged") || !isUndecodable(error)) throw error;
      const step = this.relaying.relay.refuseUndecodable(
        isRaw ? (frame[0] as number) : frame.type,
        ClientError.error(error.code, error.message),
      );
      if (step instanceof Promise) return step.then((resolved) => this.applyRelayStep(resolved));
      return this.applyRelayStep(step);
    }
    if (this.relaying) {
      const step = this.relaying.relay.handleClient(message, isRaw ? frame : frame.raw);
      if (step instanceof Promise) return step.then((resolved) => this.applyRelayStep(resolved));
      return this.applyRelayStep(step);
    }
    if (this.phases.phase === "authenticated") {
      throw ClientError.fatal("08P01", `unexpected ${message.name} message before the session is ready`);
    }
    const unread = this.clientFrames.buffered() + this.pending.length;
    const step = this.phases.handle(message, unread);
    return step instanceof Promise
      ? step.then((resolved) => this.applyPhaseStep(resolved))
      : this.applyPhaseStep(step);
  }

  private applyPhaseStep(step: PhaseStep): void | Promise<void> {
    const next = step.next;
    // SASLFinal and AuthenticationOk go with the session's greeting (or its FATAL), in one write: a
    // write and a wake-up of the client fewer per connect, and the same bytes in the same order.
    if (next.kind === "openSession") this.authenticatedBytes = Buffer.concat(step.toClient);
    else if (step.toClient.length > 0) this.client.write(Buffer.concat(step.toClient));
    switch (next.kind) {
      case "read":
        return;
      case "startTls":
        return this.startTls(false);
      case "cancel":
        this.deps.cancels.cancel(next.processId, next.secretKey);
        this.endReason = "cancel request";
        this.destroy();
        return;
      case "fail":
        if (next.afterMs === 0) return this.fail(next.error);
        // A guesser waits longer for each verdict; reading stops meanwhile.
        return new Promise((_, reject) => setTimeout(() => reject(next.error), next.afterMs));
      case "openSession":
        return this.openSession(next.client);
    }
  }

  private async startTls(isDirect: boolean): Promise<void> {
    const upgrade = upgradeToTls(this.client, this.deps.tlsContext as tls.SecureContext, isDirect);
    this.client = upgrade.socket;
    this.isTls = true;
    this.phases.markTls();
    if (!(await upgrade.handshake)) {
      // Direct TLS without ALPN could be another protocol's client: the server closes silently.
      this.deps.log(`closed ${this.clientAddress}: direct TLS without ALPN "postgresql"`);
      this.endReason = "direct TLS without ALPN";
      this.destroy();
      return;
    }
    this.attachClient(upgrade.socket);
  }

  private async openSession(client: AuthenticatedClient): Promise<void> {
    clearTimeout(this.authTimer);
    admitAuthenticated(this.clientFrames);
    await judgeConnectSettings(client, this.deps.decisions);
    if (this.isClosed) return;
    const upstream = await this.deps.upstreams.acquire({
      connection: client.connection,
      startupParams: client.startupParams,
    });
    if (this.isClosed) {
      this.deps.upstreams.release(upstream, { isIdle: true });
      return;
    }
    this.upstream = new SessionUpstream(upstream, this.client, this.deps);
    const sessionId = await this.deps.hooks.onSessionStart({
      agent: client.agent,
      connection: client.connection,
      clientAddress: this.clientAddress,
      isTls: this.isTls,
    });
    this.sessionId = sessionId;
    if (this.isClosed) {
      this.deps.hooks.onSessionEnd(sessionId, this.endReason);
      return;
    }
    const started = await openSessionRelay(client, upstream.session, sessionId, this.deps, (bytes) =>
      this.writeRelayed(bytes),
    );
    if (this.isClosed) return;
    this.relaying = started;
    const key = this.deps.cancels.register({
      // A statement held for review is not at the upstream yet: cancelling withdraws it instead.
      cancel: () => {
        if (
          started.relay.withdrawHeld("canceling statement due to user request while it waited for approval")
        )
          return;
        void this.deps.upstreams.cancel(upstream);
      },
    });
    this.cleanups.push(key.unregister);
    this.cleanups.push(
      this.deps.track({
        sessionId,
        agentId: client.agent.agentId,
        credentialId: client.agent.credentialId,
        loginGroups: client.agent.groups,
        ...(client.agent.tokenGroups ? { tokenGroups: client.agent.tokenGroups } : {}),
        ...(client.agent.tokenExpiresAt ? { tokenExpiresAt: client.agent.tokenExpiresAt } : {}),
        connectionId: client.connection.connectionId,
        terminate: (error) => {
          this.endReason = error.message;
          this.fail(error);
        },
      }),
    );
    // The greeting first: what the upstream sent after its ReadyForQuery comes after the client's.
    this.client.write(
      Buffer.concat([this.takeAuthenticatedBytes(), sessionReadyBytes(upstream.session, key)]),
    );
    // Anything the upstream sent after ReadyForQuery belongs to the relay.
    this.upstream?.attach({
      onData: (chunk) => this.onUpstreamData(chunk),
      onGone: () => {
        if (this.isClosed) return;
        // After the client's Terminate the upstream closing is the expected answer, not the reason.
        if (!this.isTerminating) this.endReason = "upstream closed the session";
        this.close(this.endReason);
      },
    });
  }

  private onUpstreamData(chunk: Buffer): void {
    const relaying = this.relaying;
    const frames = this.upstream?.frames;
    if (!relaying || !frames) return;
    try {
      if (chunk.length > 0) frames.push(chunk);
      const out = upstreamToClient(frames, relaying.relay, relaying.masker, chunk.length);
      if (out) this.writeRelayed(out);
    } catch (error) {
      this.fail(error);
    }
    this.quiet.progress();
  }

  private applyRelayStep(step: RelayStep): void {
    if (step.toClient.length > 0) this.writeRelayed(Buffer.concat(step.toClient));
    const toUpstream = clientToUpstream(step, this.relaying?.masker ?? null);
    if (toUpstream) this.upstream?.toUpstream(toUpstream);
    if (step.isClosing) {
      // The upstream is released, not ended: a pooled one serves the next session.
      this.isTerminating = true;
      this.endReason = "client terminated the session";
      this.client.end();
      this.close(this.endReason);
    }
  }

  /**
   * Writes relay output (whole messages) to the client, then shows it to the recording hook: the
   * client is not kept waiting while its result is recorded (the bytes are never changed after this).
   */
  private writeRelayed(bytes: Buffer): void {
    if (this.upstream) this.upstream.toClient(bytes);
    else this.client.write(bytes);
    if (this.sessionId) this.deps.hooks.onClientBytes?.(this.sessionId, bytes);
  }

  /** The authentication's last bytes, not written yet: they go before whatever the client gets next. */
  private takeAuthenticatedBytes(): Buffer {
    const bytes = this.authenticatedBytes ?? Buffer.alloc(0);
    this.authenticatedBytes = null;
    return bytes;
  }

  /** Ends this client with an error it can read; never lets an exception reach the process. */
  private fail(error: unknown): void {
    if (this.isClosed) return;
    const fatal = closingFatal(error, this.deps.log);
    this.endReason = fatal.message;
    // A session that could not open after authentication: AuthenticationOk first, as before.
    const authenticated = this.takeAuthenticatedBytes();
    if (authenticated.length > 0) this.client.write(authenticated);
    endWithFatal(this.client, fatal);
    this.close(this.endReason);
  }

  /** Gives the upstream back (idle: all answered, no transaction); a late step's bytes are dropped. */
  private releaseUpstream(): void {
    const upstream = this.upstream;
    if (!upstream) return;
    this.upstream = null;
    upstream.release(this.relaying?.relay.isUpstreamIdle() ?? true);
  }

  private destroy(): void {
    this.client.destroy();
    this.close(this.endReason);
  }

  private close(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.authTimer);
    this.relaying?.relay.end(`the session ended while the statement waited for approval (${reason})`);
    for (const cleanup of this.cleanups) cleanup();
    this.cleanups = [];
    this.quiet.progress();
    this.releaseUpstream();
    // Give a FATAL already queued to the client a moment to flush before the socket goes.
    const client = this.client;
    setTimeout(() => client.destroy(), FATAL_FLUSH_MS).unref();
    if (this.sessionId) this.deps.hooks.onSessionEnd(this.sessionId, reason);
  }
}
