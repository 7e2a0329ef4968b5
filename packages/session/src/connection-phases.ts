import type { ClientMessage } from "@sluice/wire/client-messages";
import { PROTOCOL_3_0 } from "@sluice/wire/limits";
import { WireError } from "@sluice/wire/wire-error";
import { createCleartextAuth, isLoopbackAddress } from "./cleartext-auth";
import { createClientAuth } from "./client-auth";
import { ClientError } from "./client-error";
import { AuthenticationFailed, ConnectionRefused, LoginLimited } from "./connection-failures";
import { type AgentRecord, type ConnectionRecord, type Directory, isAgentAllowed } from "./directory";
import { authenticationOk, negotiateProtocolVersion, singleByte } from "./protocol-bytes";
import type { LoginRefusal } from "./session-start";
import type { StartupOption } from "./startup-options";
import { validateStartupParams } from "./startup-params";
import { unsupportedProtocol } from "./unsupported-protocol";

/**
 * Where a connection stands before its relay starts. "authenticated": the agent proved itself and
 * may use the connection; the transport opens the upstream session and relays from then on.
 */
export type ConnectionPhase = "startup" | "authenticating" | "authenticated";

/** What the transport does after writing a step's bytes to the client, in this order. */
export type PhaseNext =
  /** Read the next client message. */
  | { kind: "read" }
  /** 'S' was answered: the socket becomes TLS, then the next message is read over it. */
  | { kind: "startTls" }
  /** A CancelRequest: route it to the session holding this key, then close without a word. */
  | { kind: "cancel"; processId: number; secretKey: Buffer }
  /** End the connection with this FATAL, after `afterMs` (a guesser waits for failed verdicts). */
  | { kind: "fail"; error: ClientError; afterMs: number }
  /** AuthenticationOk was sent: log in upstream and start the session. */
  | { kind: "openSession"; client: AuthenticatedClient };

export type PhaseStep = { toClient: Buffer[]; next: PhaseNext };

export type AuthenticatedClient = {
  agent: AgentRecord;
  connection: ConnectionRecord;
  /** Validated startup parameters to forward upstream. */
  startupParams: Record<string, string>;
  /** Every setting the session starts with, in the order the server applies them. */
  startupSettings: readonly StartupOption[];
};

/**
 * Failed-login limits, keyed by what an attacker controls. `failureDelayMs` holds back the answer
 * to a failed attempt (absent: answered at once).
 */
export type LoginLimits = {
  retryAfterMs: (address: string, agentName: string) => number;
  failureDelayMs?: (agentName: string) => number;
  recordFailure: (address: string, agentName: string) => void;
  recordSuccess: (address: string, agentName: string) => void;
};

export type ConnectionPhasesOptions = {
  directory: Directory;
  limits: LoginLimits;
  /** The client's address as the limits and the log name it. */
  clientAddress: string;
  /** False: TLS is off and SSLRequest is answered 'N'. */
  isTlsAvailable: boolean;
  /** Keys the fabricated SCRAM salts of unknown agents (stable across restarts). */
  mockSaltKey?: Buffer;
  log: (line: string) => void;
  /** Told of a password refused for a known agent, with the precise reason the client never reads. */
  onLoginRefused?: (refusal: LoginRefusal) => void;
};

/** The first byte of a TLS handshake record: a client that starts TLS at once (sslnegotiation=direct). */
const TLS_HANDSHAKE_RECORD = 0x16;
const READ: PhaseStep = Object.freeze({ toClient: [], next: Object.freeze({ kind: "read" }) }) as PhaseStep;

/**
 * The connection before its relay: SSLRequest, GSSENCRequest, CancelRequest, the protocol version,
 * startup parameters, login limits, SCRAM with the agent and the access check. Pure of I/O: each
 * message returns the bytes to send and what to do next; the directory is its only wait.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
export class ConnectionPhases {
  private current: ConnectionPhase = "startup";
  private isTls = false;
  private auth: ReturnType<typeof createClientAuth> | null = null;
  private cleartext: ReturnType<typeof createCleartextAuth> | null = null;
  private agent: AgentRecord | null = null;
  private connection: ConnectionRecord | null = null;
  private requestedConnectionName = "";
  private startupParams: Record<string, string> = {};
  private startupSettings: readonly StartupOption[] = [];

  constructor(private readonly options: ConnectionPhasesOptions) {}

  get phase(): ConnectionPhase {
    return this.current;
  }

  /** The transport finished the TLS handshake (after 'S', or a direct TLS start). */
  markTls(): void {
    this.isTls = true;
  }

  /**
   * True when the connection's first bytes open a TLS handshake instead of an SSLRequest
   * (PostgreSQL 17+, sslnegotiation=direct). Without TLS configured they go to the startup framing,
   * which closes on them as the server does.
   */
  isDirectTlsStart(firstByte: number | undefined, bytesSeenBefore: number): boolean {
    return (
      this.current === "startup" &&
      !this.isTls &&
      this.options.isTlsAvailable &&
      bytesSeenBefore === 0 &&
      firstByte === TLS_HANDSHAKE_RECORD
    );
  }

  /**
   * One client message before the relay. `unreadBytes`: what the client sent beyond this message and
   * the transport has not handed over yet. Failures the client should read come back as a "fail"
   * step; anything else thrown is an internal error.
   */
  handle(message: ClientMessage, unreadBytes: number): PhaseStep | Promise<PhaseStep> {
    try {
      const step = this.dispatch(message, unreadBytes);
      return step instanceof Promise ? step.catch((error: unknown) => this.failed(error)) : step;
    } catch (error) {
      return this.failed(error);
    }
  }

  private dispatch(message: ClientMessage, unreadBytes: number): PhaseStep | Promise<PhaseStep> {
    if (this.current === "startup") return this.onStartupMessage(message, unreadBytes);
    if (this.current === "authenticating") return this.onAuthMessage(message);
    throw ClientError.fatal("08P01", `unexpected ${message.name} message before the session is ready`);
  }

  private onStartupMessage(message: ClientMessage, unreadBytes: number): PhaseStep | Promise<PhaseStep> {
    switch (message.name) {
      case "sslRequest":
        if (this.isTls || !this.options.isTlsAvailable)
          return { toClient: [singleByte("N")], next: READ.next };
        // Bytes after the SSLRequest would be read as if they had come over TLS (CVE-2021-23214).
        if (unreadBytes > 0) throw ClientError.fatal("08P01", "unencrypted data after SSL request");
        return { toClient: [singleByte("S")], next: { kind: "startTls" } };
      case "gssencRequest":
        return { toClient: [singleByte("N")], next: READ.next };
      case "cancelRequest":
        return {
          toClient: [],
          next: { kind: "cancel", processId: message.processId, secretKey: message.secretKey },
        };
      case "startup":
        return this.onStartup(message.protocolVersion, message.params);
      default:
        throw ClientError.fatal("08P01", `expected a startup message, got ${message.name}`);
    }
  }

  private async onStartup(protocolVersion: number, params: Record<string, string>): Promise<PhaseStep> {
    const unsupported = unsupportedProtocol(protocolVersion);
    if (unsupported) throw unsupported;
    const request = validateStartupParams(params);
    this.startupParams = request.passThrough;
    this.startupSettings = request.settings;
    this.requestedConnectionName = request.connectionName;
    const retryAfterMs = this.options.limits.retryAfterMs(this.options.clientAddress, request.agentName);
    if (retryAfterMs > 0) throw new LoginLimited(retryAfterMs);
    const { agent, connection } = await findLogin(
      this.options.directory,
      request.agentName,
      request.connectionName,
    );
    if (connection?.requireClientTls && !this.isTls) {
      throw new ConnectionRefused(
        "requires-tls",
        request.connectionName,
        "28000",
        `connection "${request.connectionName}" requires TLS`,
        "use sslmode=require or stricter",
      );
    }
    this.agent = agent;
    this.connection = connection;
    this.current = "authenticating";
    const negotiation = negotiateDown(protocolVersion, request.protocolOptions);
    if (agent?.workload) {
      if (!this.isTls && !isLoopbackAddress(this.options.clientAddress)) {
        throw new ConnectionRefused(
          "requires-tls",
          request.connectionName,
          "28000",
          `agent "${request.agentName}" signs in with a workload token, which is only accepted over TLS`,
          "use sslmode=require or stricter",
        );
      }
      this.cleartext = createCleartextAuth(agent, this.options.directory, this.options.log);
      const begin = this.cleartext.begin();
      return { toClient: negotiation ? [negotiation, begin] : [begin], next: READ.next };
    }
    this.auth = createClientAuth(
      request.agentName,
      agent?.scramVerifier ?? null,
      this.options.mockSaltKey,
      agent?.otherCredentials?.map((other) => other.scramVerifier),
    );
    return {
      toClient: negotiation ? [negotiation, this.auth.begin()] : [this.auth.begin()],
      next: READ.next,
    };
  }

  private onAuthMessage(message: ClientMessage): PhaseStep | Promise<PhaseStep> {
    if (message.name !== "authResponse" || !(this.auth || this.cleartext)) {
      throw ClientError.fatal("08P01", `expected an authentication response, got ${message.name}`);
    }
    if (this.cleartext) {
      return this.cleartext.handle(message.body).then((agent) => this.authenticated(agent, []));
    }
    const step = (this.auth as ReturnType<typeof createClientAuth>).handle(message.body);
    if (!step.isAuthenticated) return { toClient: step.toClient, next: READ.next };
    const newest = this.agent as AgentRecord; // a null agent can never authenticate
    // Revocation follows the token the agent actually proved, not merely the newest one.
    const proved = newest.otherCredentials?.[(step.verifierIndex ?? 0) - 1];
    return this.authenticated(
      proved ? { ...newest, credentialId: proved.credentialId } : newest,
      step.toClient,
    );
  }

  /** The agent proved itself: the connection must exist and be open to one of its groups. */
  private authenticated(agent: AgentRecord, toClient: Buffer[]): PhaseStep {
    this.options.limits.recordSuccess(this.options.clientAddress, agent.agentName);
    const connection = this.connection;
    if (!connection) {
      throw new ConnectionRefused(
        "unknown-connection",
        this.requestedConnectionName,
        "3D000",
        `connection "${this.requestedConnectionName}" does not exist`,
      );
    }
    if (!isAgentAllowed(agent, connection)) {
      throw new ConnectionRefused(
        "not-allowed",
        connection.name,
        "42501",
        `agent "${agent.agentName}" is not allowed on connection "${connection.name}"`,
        "an admin can add one of the agent's groups to the connection",
      );
    }
    this.current = "authenticated";
    return {
      toClient: [...toClient, authenticationOk()],
      next: {
        kind: "openSession",
        client: {
          agent,
          connection,
          startupParams: this.startupParams,
          startupSettings: this.startupSettings,
        },
      },
    };
  }

  /** A failure the client reads; a failed proof is counted and, once the agent draws many, answered late. */
  private failed(error: unknown): PhaseStep {
    if (error instanceof AuthenticationFailed) {
      const { clientAddress, limits } = this.options;
      const afterMs = limits.failureDelayMs?.(error.agentName) ?? 0;
      limits.recordFailure(clientAddress, error.agentName);
      this.options.log(`authentication failed for agent "${error.agentName}" from ${clientAddress}`);
      if (error.refused && this.agent)
        this.options.onLoginRefused?.({
          path: "postgres",
          agentName: error.agentName,
          connectionName: this.requestedConnectionName || null,
          clientAddress,
          isTls: this.isTls,
          clientMessage: error.message,
          reason: error.refused.reason,
        });
      return { toClient: [], next: { kind: "fail", error, afterMs } };
    }
    if (error instanceof ClientError) return { toClient: [], next: { kind: "fail", error, afterMs: 0 } };
    if (error instanceof WireError) {
      return {
        toClient: [],
        next: { kind: "fail", error: ClientError.fatal(error.code, error.message), afterMs: 0 },
      };
    }
    throw error;
  }
}

/** The login's agent and connection: in one lookup where the directory offers it. */
async function findLogin(directory: Directory, agentName: string, connectionName: string) {
  if (directory.findLogin) return directory.findLogin(agentName, connectionName);
  const [agent, connection] = await Promise.all([
    directory.findAgent(agentName),
    directory.findConnection(connectionName),
  ]);
  return { agent, connection };
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
