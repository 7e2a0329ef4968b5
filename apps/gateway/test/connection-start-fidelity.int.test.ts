import net from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, errorFields, int32, RawClient } from "./support/raw-client";

/**
 * How a connection starts, answered the way PostgreSQL answers it (issue 21): bytes that are not a
 * startup packet, and TLS as the first bytes (direct TLS) or after an SSLRequest. The real server,
 * reached directly, is the oracle where it can be.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.stop());

describe("bytes before a startup packet", () => {
  const directPort = () => Number(new URL(harness.directUrl).port);

  /** The first thing the peer answers: a FATAL's SQLSTATE, a single byte, or a close without a word. */
  async function firstAnswer(port: number, sent: Buffer): Promise<string> {
    const client = await RawClient.connect(port);
    try {
      client.write(sent);
      // A message, or the close with none: never a timer, which a busy peer outlasts and which
      // would then read its late FATAL as a close without a word.
      const message = await client.readMessage(30_000).catch((error: unknown) => {
        if (client.isClosed) return null;
        throw error;
      });
      if (message)
        return `${message.type}:${errorFields(message.body)["S"]}:${errorFields(message.body)["C"]}`;
      return "closed";
    } finally {
      client.close();
    }
  }

  it("answers (or closes on) each as the server does", async () => {
    const cases: Record<string, Buffer> = {
      "Terminate before startup": bytes.tagged("X", Buffer.alloc(0)),
      "an HTTP request": Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      "a negative length": Buffer.concat([int32(-1), int32(196608)]),
      "a length below the header": Buffer.concat([int32(7), int32(196608)]),
      "a length above the server's cap": Buffer.concat([int32(10_009), int32(196608)]),
      "an unknown protocol": bytes.startup({ user: "x" }, 0x00040000),
      "no terminator after the parameters": bytes.startup({ user: "x" }).subarray(0, -1),
    };
    // The lengths of the last one are rewritten: one byte shorter, as sent.
    const unterminated = cases["no terminator after the parameters"] as Buffer;
    unterminated.writeInt32BE(unterminated.length, 0);
    for (const [name, sent] of Object.entries(cases)) {
      const direct = await firstAnswer(directPort(), sent);
      const gateway = await firstAnswer(harness.port, sent);
      expect({ name, gateway }).toEqual({ name, gateway: direct });
    }
  });
});

describe("direct TLS (sslnegotiation=direct, PostgreSQL 17+)", () => {
  /**
   * What came back over TLS after a StartupMessage: the first message's type, or why there was none.
   * Every outcome is an event (an answer, an error, the close): a gateway that says nothing fails the
   * test by its timeout, never by a guess of how long a busy machine takes to answer.
   */
  async function startupOverTls(socket: tls.TLSSocket): Promise<string> {
    return new Promise((resolve) => {
      let received = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 9) {
          resolve(`${String.fromCharCode(received[0] ?? 0)}:${received.readInt32BE(5)}`);
          socket.destroy();
        }
      });
      socket.on("error", (error) => resolve(`error: ${error.message}`));
      socket.on("close", () => resolve(received.length === 0 ? "closed" : `partial ${received.length}`));
      socket.write(bytes.startup({ user: harness.agent.name, database: harness.connectionName }));
    });
  }

  function directTls(alpn: string[] | undefined): Promise<{ socket: tls.TLSSocket; alpn: string | false }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: "127.0.0.1",
        port: harness.port,
        rejectUnauthorized: false,
        ...(alpn ? { ALPNProtocols: alpn } : {}),
      });
      socket.once("secureConnect", () => resolve({ socket, alpn: socket.alpnProtocol ?? false }));
      socket.once("error", reject);
    });
  }

  it("accepts a TLS handshake as the first bytes, with ALPN postgresql, and speaks the protocol over it", async () => {
    const { socket, alpn } = await directTls(["postgresql"]);
    expect(alpn).toBe("postgresql");
    // AuthenticationSASL: the agent logs in over the direct TLS session.
    expect(await startupOverTls(socket)).toBe("R:10");
  });

  it("refuses direct TLS that offers another ALPN protocol, in the handshake", async () => {
    const outcome = await directTls(["http/1.1"]).then(
      ({ socket }) => startupOverTls(socket),
      (error: Error) => `handshake failed: ${error.message}`,
    );
    // The server's ALPN callback answers a fatal no_application_protocol alert (RFC 7301).
    expect(outcome).toMatch(/handshake failed: .*no application protocol/);
  });

  it("closes direct TLS without ALPN after the handshake, without a word, as the server does", async () => {
    const { socket, alpn } = await directTls(undefined);
    expect(alpn).toBe(false);
    expect(await startupOverTls(socket)).toBe("closed");
  });

  it("after an SSLRequest, ALPN is optional but must be postgresql when offered", async () => {
    async function afterSslRequest(alpn: string[] | undefined): Promise<string> {
      const plain = net.connect({ host: "127.0.0.1", port: harness.port });
      await new Promise((resolve) => plain.once("connect", resolve));
      plain.write(Buffer.concat([int32(8), int32(80877103)]));
      const answer = await new Promise<Buffer>((resolve) => plain.once("data", resolve));
      expect(answer.toString()).toBe("S");
      const secure = tls.connect({
        socket: plain,
        rejectUnauthorized: false,
        ...(alpn ? { ALPNProtocols: alpn } : {}),
      });
      const ready = await new Promise<string | null>((resolve) => {
        secure.once("secureConnect", () => resolve(null));
        secure.once("error", (error) => resolve(`handshake failed: ${error.message}`));
      });
      return ready ?? startupOverTls(secure);
    }
    expect(await afterSslRequest(undefined)).toBe("R:10");
    expect(await afterSslRequest(["postgresql"])).toBe("R:10");
    expect(await afterSslRequest(["http/1.1"])).toMatch(/handshake failed: .*no application protocol/);
  });
});
