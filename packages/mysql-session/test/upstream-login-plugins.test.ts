import { createHash } from "node:crypto";
import { Capability } from "@sluice/mysql-wire/capabilities";
import {
  encodeAuthMoreData,
  encodeAuthSwitchRequest,
  encodeHandshakeV10,
  type HandshakeV10,
  parseHandshakeResponse41,
} from "@sluice/mysql-wire/handshake";
import { framePacket, type Packet } from "@sluice/mysql-wire/packet-buffer";
import { encodeErr, encodeOk } from "@sluice/mysql-wire/responses";
import { ed25519PasswordPublicKey } from "@sluice/secrets/mysql-ed25519";
import { describe, expect, it } from "vitest";
import { UpstreamLogin, type UpstreamLoginStep } from "../src/upstream-login";

/**
 * The brokered login's plugins, against servers scripted from the published algorithms (MySQL's
 * sql/auth/sha2_password_common.cc Validate_scramble, MariaDB's auth_ed25519 known answers): no
 * MySQL server exists on this machine, so caching_sha2_password is checked here and not against a
 * real one (client_ed25519 also runs against the real MariaDB, mysql-upstream-auth-plugins.int).
 */
const PASSWORD = "s3cret-brokered";
const CAPABILITIES =
  Capability.PROTOCOL_41 |
  Capability.SECURE_CONNECTION |
  Capability.PLUGIN_AUTH |
  Capability.LONG_PASSWORD |
  Capability.CONNECT_WITH_DB |
  Capability.SSL;
const SCRAMBLE = Buffer.from("0123456789abcdefghij");

const sha256 = (...parts: Buffer[]) =>
  parts.reduce((hash, part) => hash.update(part), createHash("sha256")).digest();

/**
 * MySQL's server-side check of a fast-path answer: it caches SHA256(SHA256(password)) and
 * recovers SHA256(password) = answer XOR SHA256(cached || nonce).
 */
function sha2ServerAccepts(answer: Buffer, nonce: Buffer, password: string): boolean {
  const cached = sha256(sha256(Buffer.from(password)));
  const stage1 = Buffer.from(answer.map((byte, i) => byte ^ (sha256(cached, nonce)[i] as number)));
  return answer.length === 32 && sha256(stage1).equals(cached);
}

function greeting(authPlugin: string): Packet {
  const handshake: HandshakeV10 = {
    serverVersion: "8.4.0",
    connectionId: 7,
    scramble: SCRAMBLE,
    capabilities: CAPABILITIES,
    mariadbCapabilities: 0,
    collation: 45,
    status: 2,
    authPlugin,
  };
  return packet(0, encodeHandshakeV10(handshake));
}

/** Logs in through TLS (REQUIRE) or in clear (DISABLE) and returns the login and its first answer. */
function start(authPlugin: string, tls: "REQUIRE" | "DISABLE") {
  const login = new UpstreamLogin({ user: "app", password: PASSWORD, database: "shop" }, CAPABILITIES, tls);
  let step: UpstreamLoginStep = login.onPacket(greeting(authPlugin));
  if (step.kind === "start-tls") step = login.tlsStarted();
  if (step.kind !== "send") throw new Error(`expected the login response, got ${step.kind}`);
  return { login, response: parseHandshakeResponse41(step.payload), sequenceId: step.sequenceId };
}

/** A packet as the framing buffer yields it (`raw` is not read by the login). */
function packet(sequenceId: number, payload: Buffer): Packet {
  return { sequenceId, payload, raw: framePacket(sequenceId, payload) };
}

describe("caching_sha2_password upstream (not tested against a real MySQL: none here)", () => {
  it("answers the fast path as MySQL's server checks it, then pins modes after 0x03 and OK", () => {
    const { login, response, sequenceId } = start("caching_sha2_password", "DISABLE");
    expect(response.authPlugin).toBe("caching_sha2_password");
    expect(sha2ServerAccepts(response.authResponse, SCRAMBLE, PASSWORD)).toBe(true);
    expect(sha2ServerAccepts(response.authResponse, SCRAMBLE, "other")).toBe(false);
    // A known answer, computed independently (Python's hashlib) for password "secret".
    expect(
      sha2ServerAccepts(
        Buffer.from("7e4adda2f2d5ef09b4147518becb0cee2939376203650a8c2bb2815959364bd0", "hex"),
        SCRAMBLE,
        "secret",
      ),
    ).toBe(true);
    expect(login.onPacket(packet(sequenceId + 1, encodeAuthMoreData(Buffer.from([0x03]))))).toEqual({
      kind: "wait",
    });
    const pin = login.onPacket(packet(sequenceId + 2, encodeOk({ status: 2 })));
    expect(pin).toMatchObject({ kind: "send", sequenceId: 0 });
  });

  it("full authentication inside TLS sends the password, NUL-terminated", () => {
    const { login, sequenceId } = start("caching_sha2_password", "REQUIRE");
    const step = login.onPacket(packet(sequenceId + 1, encodeAuthMoreData(Buffer.from([0x04]))));
    expect(step).toEqual({
      kind: "send",
      sequenceId: sequenceId + 2,
      payload: Buffer.from(`${PASSWORD}\0`),
    });
  });

  it("full authentication without TLS is refused before the password is sent", () => {
    const { login, sequenceId } = start("caching_sha2_password", "DISABLE");
    const step = login.onPacket(packet(sequenceId + 1, encodeAuthMoreData(Buffer.from([0x04]))));
    expect(step.kind).toBe("failed");
    expect(step.kind === "failed" && step.message).toMatch(/only inside TLS .*REQUIRE or stricter/);
    expect(JSON.stringify(step)).not.toContain(PASSWORD);
  });

  it("a switch to caching_sha2 answers the switch's own nonce", () => {
    const { login, response, sequenceId } = start("mysql_native_password", "DISABLE");
    expect(response.authPlugin).toBe("mysql_native_password");
    const nonce = Buffer.from("ABCDEFGHIJKLMNOPQRST");
    const step = login.onPacket(
      packet(
        sequenceId + 1,
        Buffer.concat([
          encodeAuthSwitchRequest({ plugin: "caching_sha2_password", data: nonce }),
          Buffer.from([0]),
        ]),
      ),
    );
    expect(step.kind === "send" && sha2ServerAccepts(step.payload, nonce, PASSWORD)).toBe(true);
  });
});

describe("AuthSwitchRequest", () => {
  it("client_ed25519: a signature of the 32-byte nonce the server's stored key verifies", async () => {
    const { verify, createPublicKey } = await import("node:crypto");
    const { login, sequenceId } = start("mysql_native_password", "DISABLE");
    // A nonce ending in 0: binary data, not a NUL-terminated scramble.
    const nonce = Buffer.concat([Buffer.alloc(31, 0x5a), Buffer.from([0])]);
    const step = login.onPacket(
      packet(sequenceId + 1, encodeAuthSwitchRequest({ plugin: "client_ed25519", data: nonce })),
    );
    if (step.kind !== "send") throw new Error(step.kind);
    const stored = createPublicKey({
      key: Buffer.concat([
        Buffer.from("302a300506032b6570032100", "hex"),
        ed25519PasswordPublicKey(PASSWORD),
      ]),
      format: "der",
      type: "spki",
    });
    expect(verify(null, nonce, stored, step.payload)).toBe(true);
    expect(verify(null, nonce.subarray(0, 31), stored, step.payload)).toBe(false);
  });

  it("an unknown plugin ends the login with a clear error and sends nothing", () => {
    for (const plugin of ["mysql_clear_password", "sha256_password", "dialog", "auth_gssapi_client", ""]) {
      const { login, sequenceId } = start("mysql_native_password", "REQUIRE");
      const step = login.onPacket(
        packet(sequenceId + 1, encodeAuthSwitchRequest({ plugin, data: SCRAMBLE })),
      );
      expect(step, plugin).toEqual({
        kind: "failed",
        message: `the upstream asks for the authentication plugin ${JSON.stringify(plugin)}, which Sluice does not speak (it answers mysql_native_password, caching_sha2_password, client_ed25519); give the connection's login one of those`,
      });
    }
  });

  it("a greeting naming an unknown plugin is answered as mysql_native_password", () => {
    const { response } = start("auth_gssapi_client", "DISABLE");
    expect(response.authPlugin).toBe("mysql_native_password");
    expect(response.authResponse.length).toBe(20);
  });

  it("caching_sha2 data after another plugin's answer is not read as caching_sha2's", () => {
    const { login, sequenceId } = start("mysql_native_password", "REQUIRE");
    const step = login.onPacket(packet(sequenceId + 1, encodeAuthMoreData(Buffer.from([0x04]))));
    expect(step).toEqual({ kind: "failed", message: "unexpected packet during the upstream login" });
    const refused = start("mysql_native_password", "DISABLE");
    const denied = refused.login.onPacket(
      packet(refused.sequenceId + 1, encodeErr({ code: 1045, sqlState: "28000", message: "Access denied" })),
    );
    expect(denied).toMatchObject({
      kind: "failed",
      message: expect.stringMatching(/Access denied \(1045\)/),
    });
  });
});
