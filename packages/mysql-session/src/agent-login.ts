import { WORKLOAD_TOKEN_NOT_ACCEPTED } from "@sluice/agent-guidance/agent-guidance";
import { Capability, GATEWAY_CAPABILITIES, hasCapability } from "@sluice/mysql-wire/capabilities";
import {
  encodeAuthMoreData,
  encodeAuthSwitchRequest,
  encodeHandshakeV10,
  type HandshakeResponse,
  isSslRequest,
  parseHandshakeResponse41,
  SCRAMBLE_BYTES,
  UTF8MB4_COLLATION,
} from "@sluice/mysql-wire/handshake";
import type { Packet } from "@sluice/mysql-wire/packet-buffer";
import { pooledRandomBytes } from "@sluice/secrets/random-pool";
import { checkAgentPassword } from "@sluice/session/agent-password";
import { StoreUnavailable } from "@sluice/session/connection-failures";
import type { LoginLimits } from "@sluice/session/connection-phases";
import {
  type AgentRecord,
  type ConnectionRecord,
  type Directory,
  isAgentAllowed,
} from "@sluice/session/directory";
import type { LoginRefusal } from "@sluice/session/session-start";
import { ER_ACCESS_DENIED, ER_CON_COUNT, ER_DBACCESS_DENIED, MySqlClientError } from "./mysql-client-error";

/** What the gateway announces: a MariaDB-looking version so clients enable what MariaDB has. */
export const GATEWAY_SERVER_VERSION = "5.5.5-10.11.0-MariaDB-sluice";
/** caching_sha2_password's AuthMoreData byte asking for the password itself (over TLS). */
const PERFORM_FULL_AUTHENTICATION = Buffer.from([0x04]);
const CACHING_SHA2 = "caching_sha2_password";
const CLEAR_PASSWORD = "mysql_clear_password";

export type AgentLoginStep =
  | { kind: "send"; sequenceId: number; payload: Buffer }
  | { kind: "start-tls" }
  | { kind: "refuse"; sequenceId: number; error: MySqlClientError; agentName: string | null }
  | {
      kind: "authenticated";
      agent: AgentRecord;
      connection: ConnectionRecord;
      response: HandshakeResponse;
      /** The sequence id the gateway's OK must carry. */
      sequenceId: number;
    };

export type AgentLoginOptions = {
  directory: Directory;
  isTlsAvailable: boolean;
  connectionId: number;
  /** The Postgres path's failed-login limits, shared (absent: no limit, tests of the bare login). */
  limits?: LoginLimits;
  clientAddress?: string;
  /** Why a login was refused, for the operator (the client hears only "access denied"). */
  log?: (line: string) => void;
  /** Told of a token refused for a known agent, with the precise reason the client never reads. */
  onLoginRefused?: (refusal: LoginRefusal) => void;
};

/**
 * The agent's side of the login, as steps (no sockets): greeting → SSLRequest → TLS →
 * HandshakeResponse41 → the token in clear over TLS (caching_sha2_password full authentication,
 * or mysql_clear_password) → checked against each of the agent's stored SCRAM verifiers (the token
 * is never stored), or as a workload token (a signed JWT) when the agent has a workload identity. A login without TLS is refused: the token would cross the network in clear.
 * @see https://mariadb.com/kb/en/connection/
 */
export class AgentLogin {
  private readonly scramble = pooledRandomBytes(SCRAMBLE_BYTES).map((byte) => byte & 0x7f || 0x41);
  private response: HandshakeResponse | null = null;
  private isTls = false;
  private awaiting: "response" | "switch-answer" | "clear-token" = "response";

  constructor(private readonly options: AgentLoginOptions) {}

  greeting(): Buffer {
    return encodeHandshakeV10({
      serverVersion: GATEWAY_SERVER_VERSION,
      connectionId: this.options.connectionId,
      scramble: Buffer.from(this.scramble),
      capabilities: GATEWAY_CAPABILITIES,
      mariadbCapabilities: 0,
      collation: UTF8MB4_COLLATION,
      status: 0x0002,
      authPlugin: CACHING_SHA2,
    });
  }

  tlsStarted(): void {
    this.isTls = true;
  }

  async onPacket(packet: Packet): Promise<AgentLoginStep> {
    const next = (packet.sequenceId + 1) & 0xff;
    if (this.awaiting === "response") {
      if (isSslRequest(packet.payload)) {
        if (this.isTls || !this.options.isTlsAvailable) {
          return this.refuse(next, "TLS is not available on this gateway");
        }
        return { kind: "start-tls" };
      }
      const response = parseHandshakeResponse41(packet.payload);
      this.response = response;
      if (!this.isTls && response.authPlugin === CLEAR_PASSWORD && response.authResponse.length > 1) {
        // Refused all the same, and told: the token itself has already crossed the network.
        this.options.log?.(`[mysql] agent "${response.user}" sent its token in clear without TLS`);
        return this.refuse(
          next,
          "mysql_clear_password without TLS: the agent token was just sent over the network in clear; revoke it, issue a new one, and connect with --ssl / ssl-mode=REQUIRED and the gateway's CA",
          response.user,
        );
      }
      if (!this.isTls) {
        return this.refuse(
          next,
          "Sluice requires TLS for MySQL logins (the agent token is sent in clear inside TLS): connect with --ssl / ssl-mode=REQUIRED and the gateway's CA",
        );
      }
      if (response.authPlugin === CLEAR_PASSWORD) return this.verify(response.authResponse, next);
      if (response.authPlugin === CACHING_SHA2) {
        this.awaiting = "clear-token";
        return { kind: "send", sequenceId: next, payload: encodeAuthMoreData(PERFORM_FULL_AUTHENTICATION) };
      }
      this.awaiting = "switch-answer";
      return {
        kind: "send",
        sequenceId: next,
        payload: encodeAuthSwitchRequest({
          plugin: CACHING_SHA2,
          data: Buffer.concat([this.scramble, Buffer.from([0])]),
        }),
      };
    }
    if (this.awaiting === "switch-answer") {
      // The scrambled answer proves nothing the gateway can check; it asks for the token itself.
      this.awaiting = "clear-token";
      return { kind: "send", sequenceId: next, payload: encodeAuthMoreData(PERFORM_FULL_AUTHENTICATION) };
    }
    return this.verify(packet.payload, next);
  }

  /**
   * The store (Sluice's own database) not answering refuses the login as retryable, in the packet
   * the client expects next: an internal error at sequence id 0 reads as a broken stream.
   */
  private async verify(data: Buffer, sequenceId: number): Promise<AgentLoginStep> {
    try {
      return await this.verifyWithStore(data, sequenceId);
    } catch (error) {
      if (!(error instanceof StoreUnavailable)) throw error;
      this.options.log?.(`[mysql] login not checked: ${error.message}`);
      return {
        kind: "refuse",
        sequenceId,
        agentName: this.response?.user ?? null,
        error: MySqlClientError.fatal(
          ER_CON_COUNT,
          "08004",
          "Sluice cannot reach its store to check this login; retry in a moment",
        ),
      };
    }
  }

  private async verifyWithStore(data: Buffer, sequenceId: number): Promise<AgentLoginStep> {
    const response = this.response as HandshakeResponse;
    const token = (data[data.length - 1] === 0 ? data.subarray(0, -1) : data).toString("utf8");
    const { limits, clientAddress = "" } = this.options;
    const retryAfterMs = limits?.retryAfterMs(clientAddress, response.user) ?? 0;
    if (retryAfterMs > 0) {
      // Refused before the token is checked: a guesser learns nothing while it waits.
      return this.refuse(
        sequenceId,
        `too many failed authentication attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
        response.user,
      );
    }
    const found = await this.options.directory.findAgent(response.user);
    // Every live token of the agent counts, and a workload token where the agent has that identity.
    const login =
      found && token !== "" ? await checkAgentPassword(found, token, this.options.directory) : null;
    const agent = login?.ok ? login.agent : null;
    if (!agent) {
      // A workload token's refusal reads the same whatever its reason (no oracle on trusted issuers).
      const message = `Access denied for agent "${response.user}": ${
        login && !login.ok && login.isWorkloadToken
          ? WORKLOAD_TOKEN_NOT_ACCEPTED
          : "unknown agent or wrong token"
      }`;
      if (found && login && !login.ok) {
        this.options.log?.(`[mysql] agent "${response.user}": ${login.reason}`);
        this.options.onLoginRefused?.({
          path: "mysql",
          agentName: response.user,
          connectionName: response.database ?? null,
          clientAddress,
          isTls: this.isTls,
          clientMessage: message,
          reason: login.reason,
        });
      }
      limits?.recordFailure(clientAddress, response.user);
      const delayMs = limits?.failureDelayMs?.(response.user) ?? 0;
      // A guesser waits longer for each wrong answer; a right token is answered at once.
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return this.refuse(sequenceId, message, response.user);
    }
    const connectionName = response.database ?? "";
    const connection =
      connectionName === "" ? null : await this.options.directory.findConnection(connectionName);
    if (!connection || !isAgentAllowed(agent, connection)) {
      return {
        kind: "refuse",
        sequenceId,
        agentName: response.user,
        error: new MySqlClientError(
          ER_DBACCESS_DENIED,
          "42000",
          connectionName === ""
            ? "name the connection as the database: mysql://AGENT:TOKEN@gateway:13306/CONNECTION"
            : `agent "${response.user}" may not use connection "${connectionName}" (unknown, disabled or not granted to its groups)`,
          true,
        ),
      };
    }
    limits?.recordSuccess(clientAddress, response.user);
    return { kind: "authenticated", agent, connection, response, sequenceId };
  }

  private refuse(sequenceId: number, message: string, agentName: string | null = null): AgentLoginStep {
    return {
      kind: "refuse",
      sequenceId,
      agentName,
      error: new MySqlClientError(ER_ACCESS_DENIED, "28000", message, true),
    };
  }
}

/** Capabilities the agent and the gateway both have: what the relayed session runs with. */
export function agreedCapabilities(response: HandshakeResponse): number {
  return response.capabilities & GATEWAY_CAPABILITIES & ~Capability.SSL;
}

export function isDeprecateEof(capabilities: number): boolean {
  return hasCapability(capabilities, Capability.DEPRECATE_EOF);
}
