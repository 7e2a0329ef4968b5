import { WORKLOAD_TOKEN_NOT_ACCEPTED } from "@sluice/agent-guidance/agent-guidance";
import { ClientError } from "./client-error";

/**
 * Failures a caller must act on by their fields, not by reading their message: each is still the
 * ClientError the client sees (SQLSTATE, FATAL), with what the gateway needs beside it.
 */

/**
 * The agent's proof did not verify (or the agent does not exist): counts against login limits.
 * `reason`, when the password was checked whole, says precisely why for the refused attempt admins
 * see; the client never reads it. A workload token's refusal reads the same whatever the reason.
 */
export class AuthenticationFailed extends ClientError {
  constructor(
    readonly agentName: string,
    readonly refused?: { reason: string; isWorkloadToken: boolean },
  ) {
    super(
      "FATAL",
      "28P01",
      refused?.isWorkloadToken
        ? `authentication failed for agent "${agentName}": ${WORKLOAD_TOKEN_NOT_ACCEPTED}`
        : `authentication failed for agent "${agentName}"`,
      refused?.isWorkloadToken ? undefined : "check the token in the connection string",
    );
    this.name = "AuthenticationFailed";
  }
}

/** Too many failed logins from this address (for this agent): refused before any verifier is read. */
export class LoginLimited extends ClientError {
  constructor(readonly retryAfterMs: number) {
    super(
      "FATAL",
      "28000",
      `too many failed authentication attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
    this.name = "LoginLimited";
  }
}

/** The connection the client named is unknown, disabled, or not open to this agent's groups. */
export class ConnectionRefused extends ClientError {
  constructor(
    readonly reason: "unknown-connection" | "not-allowed" | "requires-tls",
    readonly connectionName: string,
    code: string,
    message: string,
    hint?: string,
  ) {
    super("FATAL", code, message, hint);
    this.name = "ConnectionRefused";
  }
}

/** The upstream could not be reached or refused Sluice's brokered login. */
export class UpstreamLoginFailed extends ClientError {
  constructor(
    readonly connectionName: string,
    code: string,
    message: string,
  ) {
    super("FATAL", code, message);
    this.name = "UpstreamLoginFailed";
  }
}

/** Every upstream login this gateway process may hold for the connection stayed in use while the agent waited. */
export class UpstreamPoolExhausted extends ClientError {
  constructor(
    readonly connectionName: string,
    poolSize: number,
    waitedMs: number,
  ) {
    super(
      "FATAL",
      "53300",
      `connection "${connectionName}": all ${poolSize} upstream logins this gateway process may hold are in use; none came free within ${Math.round(waitedMs / 100) / 10} s`,
      "try again when other sessions of this connection have ended, or raise the connection's poolSize",
    );
    this.name = "UpstreamPoolExhausted";
  }
}

/**
 * The gateway could not read its store (Sluice's own database) to check a login: refused, never
 * let through unchecked. 57P03 (cannot_connect_now) because trying again later is the right move.
 */
export class StoreUnavailable extends ClientError {
  constructor() {
    super(
      "FATAL",
      "57P03",
      "the Sluice gateway cannot reach its store to check this login",
      "try again shortly; if it persists, the gateway's own database is down or unreachable",
    );
    this.name = "StoreUnavailable";
  }
}

/**
 * A connection with column masking rules whose upstream catalog could not be read: nothing tells
 * which result columns hold masked values, so the session does not start (never unmasked). 57P03
 * (cannot_connect_now) because trying again once the catalog is readable is the right move.
 */
export class MaskingCatalogUnread extends ClientError {
  constructor(readonly connectionName: string) {
    super(
      "FATAL",
      "57P03",
      `connection "${connectionName}" masks columns, and the gateway could not read the upstream's catalog to tell which result columns hold them; the session was not started`,
      "try again shortly; if it persists, the brokered login may have lost access to the system catalogs",
    );
    this.name = "MaskingCatalogUnread";
  }
}
