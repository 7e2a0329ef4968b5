import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

/** What the upstream saw of one call: how the gateway forwarded it. */
export type SeenCall = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

export const UPSTREAM_KEY = "upstream-api-key-do-not-leak";

/** Customers holding the kinds of values masking must catch (emails, SSNs, cards) in several places. */
export const CUSTOMERS = [
  {
    id: 1,
    name: "Ada Lovelace",
    email: "ada@example.com",
    ssn: "123-45-6789",
    card: "4111111111111111",
    note: "call ada.l@example.org",
  },
  {
    id: 2,
    name: "Alan Turing",
    email: "alan@example.net",
    ssn: "536-22-1234",
    card: "5500005555555559",
    note: "prefers post",
  },
];
export const SENSITIVE = CUSTOMERS.flatMap((c) => [c.email, c.ssn, c.card, "ada.l@example.org"]);

/**
 * A small JSON API behind the gateway, with a bearer key the gateway brokers: customers and
 * orders, a large streamed list, and endpoints that misbehave the ways masking must survive.
 */
export async function startJsonUpstream(tls?: { cert: Buffer; key: Buffer }) {
  const seen: SeenCall[] = [];
  const handler = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const parts: Buffer[] = [];
    for await (const chunk of request) parts.push(chunk as Buffer);
    seen.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      body: Buffer.concat(parts).toString(),
    });
    if (request.headers.authorization !== `Bearer ${UPSTREAM_KEY}`) {
      response.writeHead(401, {
        "www-authenticate": 'Bearer realm="upstream"',
        "content-type": "application/json",
      });
      return response.end('{"error":"no key"}');
    }
    const url = new URL(request.url ?? "/", "http://upstream");
    const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      response.end(request.method === "HEAD" ? undefined : JSON.stringify(value));
    };
    const route = `${request.method} ${url.pathname}`;
    const customer = /^\/api\/customers\/(\d+)$/.exec(url.pathname);
    if (route === "GET /api/customers" || route === "HEAD /api/customers")
      return json(
        200,
        { customers: CUSTOMERS, query: Object.fromEntries(url.searchParams) },
        { "set-cookie": "session=upstream-session", "x-upstream-internal": "db-7" },
      );
    if (customer && (request.method === "GET" || request.method === "HEAD"))
      return json(200, CUSTOMERS.find((c) => c.id === Number(customer[1])) ?? null);
    if (customer && request.method === "DELETE") return json(200, { deleted: Number(customer[1]) });
    if (route === "POST /api/orders")
      return json(201, { received: JSON.parse(Buffer.concat(parts).toString() || "null") });
    if (route === "GET /api/admin/users") return json(200, { admins: ["root"] });
    if (route === "GET /api/big") return streamBig(response, Number(url.searchParams.get("n") ?? "1000"));
    if (route === "GET /api/gzip") {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      return response.end(gzipSync(JSON.stringify(CUSTOMERS)));
    }
    if (route === "GET /api/html-as-json") {
      response.writeHead(200, { "content-type": "application/json" });
      return response.end(`<html>${CUSTOMERS[0]?.email}</html>`);
    }
    if (route === "GET /api/broken-midway") {
      response.writeHead(200, { "content-type": "application/json" });
      response.write(`{"customers":[${JSON.stringify(CUSTOMERS[0])},`);
      return setTimeout(() => response.end(`<oops ${CUSTOMERS[1]?.email}>`), 10);
    }
    if (route === "GET /api/ndjson") {
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      return response.end(`${CUSTOMERS.map((c) => JSON.stringify(c)).join("\n")}\n`);
    }
    if (route === "GET /api/text") {
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return response.end(CUSTOMERS.map((c) => `${c.name} <${c.email}> ssn ${c.ssn}`).join("\n"));
    }
    if (route === "GET /api/binary") {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      return response.end(Buffer.from(CUSTOMERS[0]?.email ?? ""));
    }
    if (route === "GET /api/slow")
      return setTimeout(() => json(200, { ok: true }), Number(url.searchParams.get("ms") ?? "0"));
    if (route === "GET /api/stall") {
      // One customer, then silence: the connection stays open until the server closes.
      response.writeHead(200, { "content-type": "application/json" });
      return response.write(`{"customers":[${JSON.stringify(CUSTOMERS[1])},`);
    }
    if (route === "GET /api/redirect") {
      response.writeHead(302, { location: "https://upstream.internal:8443/api/customers" });
      return response.end();
    }
    json(404, { error: `no route ${route}` });
  };
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `{"customers":[…n…]}` written a customer at a time, honouring backpressure. */
async function streamBig(response: http.ServerResponse, n: number): Promise<void> {
  response.writeHead(200, { "content-type": "application/json" });
  response.write('{"customers":[');
  for (let i = 0; i < n; i++) {
    const row = JSON.stringify({
      id: i,
      name: `Customer ${i}`,
      email: `user${i}@example.com`,
      ssn: "123-45-6789",
      card: "4111111111111111",
      balance: i * 1.5,
    });
    if (!response.write(i === 0 ? row : `,${row}`))
      await new Promise((resolve) => response.once("drain", resolve));
  }
  response.end("]}");
}
