import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBody } from "../src/http/read-body";

const LIMIT = 64;

/**
 * readBody on a real server: a body parsed whole before the handler reads it (taken as it lies) and
 * one still arriving (read as it streams) come out the same, both bounded by the limit, and the
 * kept-alive socket serves the next request after either.
 */
let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer(async (request, response) => {
    // Like the gateway's handler, which authenticates first: the parser has finished a small body.
    if (request.headers["x-wait"]) await new Promise((resolve) => setImmediate(resolve));
    const read = await readBody(request, LIMIT);
    const answer = read.ok
      ? `${request.complete ? "complete" : "partial"}:${read.body.toString()}`
      : "too large";
    response.writeHead(read.ok ? 200 : 413, read.ok ? {} : { connection: "close" }).end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(
  agent: http.Agent,
  options: { method: string; headers?: Record<string, string>; parts: string[]; gapMs?: number },
): Promise<{ status: number; body: string; isReused: boolean }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port, method: options.method, agent, headers: options.headers ?? {} },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (text: string) => {
          body += text;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body, isReused: request.reusedSocket }),
        );
      },
    );
    request.on("error", reject);
    const write = async () => {
      for (const part of options.parts) {
        request.write(part);
        if (options.gapMs) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
      }
      request.end();
    };
    void write();
  });
}

describe("readBody", () => {
  it("takes a body parsed whole, then the socket serves the next request", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = '{"name":"ada","n":1}';
    const first = await send(agent, {
      method: "POST",
      headers: { "x-wait": "1", "content-length": String(body.length) },
      parts: [body],
    });
    expect(first).toMatchObject({ status: 200, body: `complete:${body}` });
    const empty = await send(agent, { method: "GET", headers: { "x-wait": "1" }, parts: [] });
    expect(empty).toMatchObject({ status: 200, body: "complete:", isReused: true });
    agent.destroy();
  });

  it("reads a body still arriving, chunk by chunk, to the same result", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const streamed = await send(agent, { method: "POST", parts: ['{"name":', '"ada"}'], gapMs: 30 });
    expect(streamed).toMatchObject({ status: 200, body: 'complete:{"name":"ada"}' });
    agent.destroy();
  });

  it("refuses a body past the limit, whole or streamed", async () => {
    const big = "x".repeat(LIMIT + 1);
    const whole = await send(new http.Agent(), {
      method: "POST",
      headers: { "x-wait": "1", "transfer-encoding": "chunked" },
      parts: [big],
    });
    expect(whole).toMatchObject({ status: 413, body: "too large" });
    const streamed = await send(new http.Agent(), {
      method: "POST",
      parts: ["x".repeat(LIMIT), "x"],
      gapMs: 30,
    });
    expect(streamed).toMatchObject({ status: 413, body: "too large" });
  });
});
