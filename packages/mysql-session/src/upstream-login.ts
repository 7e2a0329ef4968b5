import { PIN_SESSION_SQL } from "@sluice/mysql-sql/pinned-modes";
import { Capability, hasCapability, REFUSED_CAPABILITIES } from "@sluice/mysql-wire/capabilities";
import {
  encodeHandshakeResponse41,
  encodeSslRequest,
  type HandshakeV10,
  parseAuthSwitchRequest,
  parseHandshakeV10,
  UTF8MB4_COLLATION,
} from "@sluice/mysql-wire/handshake";
import type { Packet } from "@sluice/mysql-wire/packet-buffer";
import { isErrPacket, isOkPacket, parseErr } from "@sluice/mysql-wire/responses";
import { cachingSha2Response, nativePasswordResponse } from "@sluice/secrets/mysql-auth";
import type { UpstreamTlsMode } from "@sluice/session/directory";
import { isTlsRequired } from "./upstream-tls";

export type UpstreamCredentials = { user: string; password: string; database: string };

export type UpstreamLoginStep =
  | { kind: "send"; sequenceId: number; payload: Buffer }
  | { kind: "wait" }
  /** Send `payload` (the SSLRequest) in clear, then start TLS and call `tlsStarted()`. */
  | { kind: "start-tls"; sequenceId: number; payload: Buffer }
  | { kind: "ready"; handshake: HandshakeV10; capabilities: number }
  | { kind: "failed"; message: string };

/** Capabilities the gateway always asks the upstream for (4.1 protocol, plugin auth). */
const REQUIRED =
  Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.LONG_PASSWORD;

/** What the gateway tells the upstream it accepts; the same in the SSLRequest and the login. */
const MAX_PACKET_SIZE = 16 * 1024 * 1024;

/**
 * The brokered upstream login as steps: the connection's stored credentials answer the server's
 * plugin (mysql_native_password; caching_sha2_password fast auth), then the lexing modes are pinned
 * (sql_mode without ANSI_QUOTES/NO_BACKSLASH_ESCAPES, utf8mb4) before any agent statement.
 * The agent never sees these credentials. With a TLS mode other than DISABLE the login itself goes
 * inside TLS: SSLRequest after the greeting, the handshake, then the credentials.
 * @see https://mariadb.com/kb/en/connection/#sslrequest-packet
 */
export class UpstreamLogin {
  private handshake: HandshakeV10 | null = null;
  private capabilities = 0;
  private phase: "greeting" | "tls" | "auth" | "pin" = "greeting";
  private loginSequenceId = 0;

  /** `agentCapabilities`: what the agent and gateway agreed, so relayed bytes mean the same on both legs. */
  constructor(
    private readonly credentials: UpstreamCredentials,
    private readonly agentCapabilities: number,
    private readonly tlsMode: UpstreamTlsMode = "DISABLE",
  ) {}

  /** The TLS handshake with the upstream succeeded: the login goes inside it. */
  tlsStarted(): UpstreamLoginStep {
    if (this.phase !== "tls" || !this.handshake) throw new Error("tlsStarted() without a TLS request");
    this.phase = "auth";
    return { kind: "send", sequenceId: this.loginSequenceId, payload: this.loginResponse(this.handshake) };
  }

  onPacket(packet: Packet): UpstreamLoginStep {
    const payload = packet.payload;
    const next = (packet.sequenceId + 1) & 0xff;
    if (this.phase === "greeting") {
      const handshake = parseHandshakeV10(payload);
      this.handshake = handshake;
      const wanted =
        (this.agentCapabilities | REQUIRED | Capability.CONNECT_WITH_DB) &
        ~REFUSED_CAPABILITIES &
        ~Capability.SSL &
        ~Capability.CONNECT_ATTRS;
      this.capabilities = wanted & handshake.capabilities;
      if (!hasCapability(this.capabilities, Capability.PROTOCOL_41))
        return { kind: "failed", message: "the upstream does not speak protocol 4.1" };
      const isTlsOffered = hasCapability(handshake.capabilities, Capability.SSL);
      if (this.tlsMode !== "DISABLE" && isTlsOffered) {
        this.capabilities |= Capability.SSL;
        this.phase = "tls";
        this.loginSequenceId = (next + 1) & 0xff;
        return {
          kind: "start-tls",
          sequenceId: next,
          payload: encodeSslRequest(this.capabilities, UTF8MB4_COLLATION, MAX_PACKET_SIZE),
        };
      }
      // Fail closed before any credential is sent: PREFER alone may go on in clear.
      if (isTlsRequired(this.tlsMode))
        return {
          kind: "failed",
          message: `TLS: the upstream does not offer TLS and the connection requires it (${this.tlsMode})`,
        };
      this.phase = "auth";
      return { kind: "send", sequenceId: next, payload: this.loginResponse(handshake) };
    }
    if (this.phase === "tls")
      return { kind: "failed", message: "the upstream spoke before the TLS handshake" };
    if (isErrPacket(payload)) {
      const error = parseErr(payload);
      return {
        kind: "failed",
        message: `the upstream refused the ${this.phase === "pin" ? "pinned modes" : "login"}: ${error.message} (${error.code})`,
      };
    }
    if (this.phase === "auth") {
      if (payload[0] === 0xfe && payload.length > 1) {
        const request = parseAuthSwitchRequest(payload);
        return { kind: "send", sequenceId: next, payload: this.answer(request.plugin, request.data) };
      }
      if (payload[0] === 0x01) {
        // caching_sha2_password: 0x03 fast auth succeeded (an OK follows); 0x04 wants the password in clear.
        if (payload[1] === 0x03) return { kind: "wait" };
        return {
          kind: "failed",
          message:
            "the upstream wants caching_sha2_password full authentication, which the gateway does not do yet",
        };
      }
      if (isOkPacket(payload)) {
        this.phase = "pin";
        return {
          kind: "send",
          sequenceId: 0,
          payload: Buffer.concat([Buffer.from([0x03]), Buffer.from(PIN_SESSION_SQL)]),
        };
      }
      return { kind: "failed", message: "unexpected packet during the upstream login" };
    }
    if (isOkPacket(payload))
      return { kind: "ready", handshake: this.handshake as HandshakeV10, capabilities: this.capabilities };
    return { kind: "failed", message: "unexpected answer to the pinned modes" };
  }

  private loginResponse(handshake: HandshakeV10): Buffer {
    return encodeHandshakeResponse41({
      capabilities: this.capabilities,
      maxPacketSize: MAX_PACKET_SIZE,
      collation: UTF8MB4_COLLATION,
      user: this.credentials.user,
      authResponse: this.answer(handshake.authPlugin, handshake.scramble),
      database: this.credentials.database,
      authPlugin: handshake.authPlugin,
      attributes: new Map(),
    });
  }

  private answer(plugin: string, scramble: Buffer): Buffer {
    const seed = scramble.subarray(0, 20);
    if (plugin === "caching_sha2_password") return cachingSha2Response(this.credentials.password, seed);
    if (plugin === "mysql_native_password") return nativePasswordResponse(this.credentials.password, seed);
    // Any other plugin (ed25519, clear text without TLS) gets no answer; the server refuses the login.
    return Buffer.alloc(0);
  }
}
