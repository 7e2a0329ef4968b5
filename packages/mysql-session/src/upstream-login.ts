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
import { ed25519PasswordSignature } from "@sluice/secrets/mysql-ed25519";
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
 * plugin (mysql_native_password; caching_sha2_password, its fast path anywhere and its full
 * authentication inside TLS only; MariaDB's client_ed25519), then the lexing modes are pinned
 * (sql_mode without ANSI_QUOTES/NO_BACKSLASH_ESCAPES, utf8mb4) before any agent statement.
 * The agent never sees these credentials. With a TLS mode other than DISABLE the login itself goes
 * inside TLS: SSLRequest after the greeting, the handshake, then the credentials.
 * @see https://mariadb.com/kb/en/connection/#sslrequest-packet
 */
export class UpstreamLogin {
  private handshake: HandshakeV10 | null = null;
  private capabilities = 0;
  private phase: "greeting" | "tls" | "auth" | "pin" = "greeting";
  /** The plugin whose challenge was answered last: what the server's next AuthMoreData is about. */
  private plugin = NATIVE;
  private isTlsUp = false;
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
    this.isTlsUp = true;
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
    if (this.phase === "auth") return this.onAuthPacket(payload, next);
    if (isOkPacket(payload))
      return { kind: "ready", handshake: this.handshake as HandshakeV10, capabilities: this.capabilities };
    return { kind: "failed", message: "unexpected answer to the pinned modes" };
  }

  /**
   * The server's next word on the login: a switch to another plugin, caching_sha2's verdict on the
   * fast path, or OK. Whatever Sluice does not speak ends the login with the reason, before any
   * further credential is sent.
   */
  private onAuthPacket(payload: Buffer, next: number): UpstreamLoginStep {
    if (payload[0] === 0xfe && payload.length > 1) {
      const request = parseAuthSwitchRequest(payload);
      const answer = this.answer(request.plugin, request.data, request.rawData);
      if (answer === null) return { kind: "failed", message: unknownPluginMessage(request.plugin) };
      this.plugin = request.plugin;
      return { kind: "send", sequenceId: next, payload: answer };
    }
    if (payload[0] === 0x01 && this.plugin === CACHING_SHA2) {
      // caching_sha2_password: 0x03, the fast path succeeded (an OK follows); 0x04, the server has
      // no cached hash and wants the password itself.
      if (payload[1] === CACHING_SHA2_FAST_AUTH_OK && payload.length === 2) return { kind: "wait" };
      if (payload[1] === CACHING_SHA2_FULL_AUTH && payload.length === 2) {
        // In clear the password would cross the network readable; RSA with a key the server sends
        // over that same clear connection protects nothing against whoever sits in between.
        if (!this.isTlsUp)
          return {
            kind: "failed",
            message:
              "the upstream asks for caching_sha2_password full authentication, which sends the password itself; Sluice sends it only inside TLS (set the connection's TLS mode to REQUIRE or stricter) and does not fetch the server's RSA key over a clear connection",
          };
        return {
          kind: "send",
          sequenceId: next,
          payload: Buffer.concat([Buffer.from(this.credentials.password, "utf8"), Buffer.from([0])]),
        };
      }
      return { kind: "failed", message: "the upstream sent caching_sha2_password data Sluice does not read" };
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

  private loginResponse(handshake: HandshakeV10): Buffer {
    // A greeting naming a plugin Sluice does not answer gets a native answer: a server whose user
    // has another plugin then asks for it by an AuthSwitchRequest, judged above.
    const greeted = this.answer(handshake.authPlugin, handshake.scramble, handshake.scramble);
    this.plugin = greeted === null ? NATIVE : handshake.authPlugin;
    return encodeHandshakeResponse41({
      capabilities: this.capabilities,
      maxPacketSize: MAX_PACKET_SIZE,
      collation: UTF8MB4_COLLATION,
      user: this.credentials.user,
      authResponse:
        greeted ?? nativePasswordResponse(this.credentials.password, handshake.scramble.subarray(0, 20)),
      database: this.credentials.database,
      authPlugin: this.plugin,
      attributes: new Map(),
    });
  }

  /** The answer to a plugin's challenge, or null for a plugin Sluice does not speak. */
  private answer(plugin: string, scramble: Buffer, rawData: Buffer): Buffer | null {
    const password = this.credentials.password;
    if (plugin === CACHING_SHA2) return cachingSha2Response(password, scramble.subarray(0, 20));
    if (plugin === NATIVE) return nativePasswordResponse(password, scramble.subarray(0, 20));
    if (plugin === ED25519) {
      // The nonce is exactly 32 bytes, binary: as sent, not NUL-trimmed.
      if (rawData.length < ED25519_NONCE_BYTES) return null;
      return ed25519PasswordSignature(password, rawData.subarray(0, ED25519_NONCE_BYTES));
    }
    return null;
  }
}

const NATIVE = "mysql_native_password";
const CACHING_SHA2 = "caching_sha2_password";
const ED25519 = "client_ed25519";
/** The plugins whose challenge the gateway answers with the brokered password. */
export const UPSTREAM_AUTH_PLUGINS = [NATIVE, CACHING_SHA2, ED25519] as const;
const ED25519_NONCE_BYTES = 32;
/** caching_sha2_password's AuthMoreData verdicts after the fast-path answer. */
const CACHING_SHA2_FAST_AUTH_OK = 0x03;
const CACHING_SHA2_FULL_AUTH = 0x04;

function unknownPluginMessage(plugin: string): string {
  return `the upstream asks for the authentication plugin ${JSON.stringify(plugin)}, which Sluice does not speak (it answers ${UPSTREAM_AUTH_PLUGINS.join(", ")}); give the connection's login one of those`;
}
