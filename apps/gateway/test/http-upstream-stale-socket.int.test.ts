import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpConnection } from "./support/http-fixtures";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";

/**
 * The keep-alive race: an upstream closes an idle socket just as the gateway writes the next call
 * to it. This upstream answers the first request of each socket with keep-alive, and resets the
 * socket when a second one arrives on it, so the race happens on every reused socket, by design.
 */
function startResettingUpstream() {
  const seen: string[] = [];
  const server = net.createServer((socket) => {
    let buffered = "";
    let answered = 0;
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      for (let end = buffered.indexOf("\r\n\r\n"); end >= 0; end = buffered.indexOf("\r\n\r\n")) {
        const head = buffered.slice(0, end);
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        seen.push(head.split("\r\n")[0] ?? "");
        if (answered > 0) {
          socket.resetAndDestroy();
          return;
        }
        answered += 1;
        const body = JSON.stringify({ ok: true });
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
        );
      }
    });
    socket.on("error", () => undefined);
  });
  return new Promise<{ port: number; seen: string[]; close: () => Promise<void> }>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ port, seen, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

let harness: HttpHarness;
let upstream: Awaited<ReturnType<typeof startResettingUpstream>>;

beforeAll(async () => {
  harness = await startHttpHarness();
  upstream = await startResettingUpstream();
  await createHttpConnection(harness, { name: "flaky", port: upstream.port, key: "unused-key" });
  await harness.reloadPolicy();
});
afterAll(async () => {
  await harness?.stop();
  await upstream?.close();
});

describe("an upstream socket reset as a call is reused on it", () => {
  it("a GET is sent again on a new socket, and the agent gets the answer", async () => {
    for (let i = 0; i < 4; i += 1) {
      const response = await harness.call("/flaky/items");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    }
    // Each call after the first went out twice: once on the reused socket that was reset, once anew.
    expect(upstream.seen.filter((line) => line.startsWith("GET ")).length).toBe(7);
  });

  it("a POST is never sent twice: the agent gets a 502 naming the failure", async () => {
    await harness.call("/flaky/items");
    const before = upstream.seen.length;
    const response = await harness.call("/flaky/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(response.status).toBe(502);
    expect(upstream.seen.slice(before).filter((line) => line.startsWith("POST ")).length).toBe(1);
  });
});
