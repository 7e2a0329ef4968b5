import { once } from "node:events";
import net from "node:net";
import { CancelRegistry } from "@sluice/transport/cancel-registry";
import { type GatewayServer, startGatewayServer } from "@sluice/transport/gateway-server";
import { encodeStartup } from "@sluice/wire/client-encoders";
import { createServerFrameBuffer, type Frame } from "@sluice/wire/frame-buffer";
import { decodeServerFrame } from "@sluice/wire/server-decoder";
import { afterEach, describe, expect, it } from "vitest";

const servers: GatewayServer[] = [];
afterEach(async () => {
  // A test that closed its gateway already finds its listener stopped; closing again is harmless.
  for (const server of servers.splice(0)) await server.close();
});

/** A gateway on a free local port whose directory knows no one: only the startup is ever answered. */
async function startEmptyGateway(): Promise<GatewayServer> {
  const server = await startGatewayServer({
    port: 0,
    hosts: ["127.0.0.1"],
    directory: { findAgent: async () => null, findConnection: async () => null },
    decisions: { openSession: () => ({ decide: () => ({ kind: "allow" }), version: () => 0 }) },
    upstreams: {
      acquire: async () => {
        throw new Error("no upstream in this test");
      },
      release: () => {},
      cancel: async () => {},
    },
    cancels: new CancelRegistry(),
    tlsContext: null,
    loginLimits: { retryAfterMs: () => 0, recordFailure: () => {}, recordSuccess: () => {} },
    mockSaltKey: Buffer.alloc(32, 7),
    hooks: { onSessionStart: async () => "session", onSessionEnd: () => {} },
    log: () => {},
  });
  servers.push(server);
  return server;
}

/** Every message the gateway sends on `socket` until it closes. */
function readUntilClosed(socket: net.Socket): Promise<Frame[]> {
  const frames = createServerFrameBuffer();
  const received: Frame[] = [];
  socket.on("data", (chunk: Buffer) => {
    frames.push(chunk);
    for (let frame = frames.next(); frame; frame = frames.next()) received.push(frame);
  });
  return once(socket, "close").then(() => received);
}

describe("GatewayServer.close", () => {
  it("tells a client still logging in that the gateway shuts down, and waits for its socket", async () => {
    const gateway = await startEmptyGateway();
    const socket = net.connect(gateway.port, "127.0.0.1");
    const received = readUntilClosed(socket);
    const challenged = once(socket, "data");
    socket.write(encodeStartup({ user: "nobody", database: "shop" }));
    await challenged; // the (fabricated) SCRAM challenge: the connection is mid-login
    const closing = gateway.close();
    const messages = (await received).map((frame) => decodeServerFrame(frame));
    expect(messages.map((message) => message.name)).toEqual(["authenticationSASL", "error"]);
    expect(messages[1]).toMatchObject({ fields: { S: "FATAL", C: "57P01" } });
    await closing;
  });

  it("closes at once with no connections", async () => {
    const gateway = await startEmptyGateway();
    await gateway.close();
    await expect(
      new Promise((resolve, reject) =>
        net.connect(gateway.port, "127.0.0.1").on("connect", resolve).on("error", reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
