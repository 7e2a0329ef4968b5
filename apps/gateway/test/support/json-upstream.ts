import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";

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
export async function startJsonUpstream(tls?: { cert: Buffer; key: Buffer }, address = "127.0.0.1") {
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
    const misbehaving = misbehavingAnswer(route, request, response);
    if (misbehaving) return misbehaving;
    json(404, { error: `no route ${route}` });
  };
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
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

/**
 * Answers that try to carry a masked value past the response masker (the HTTP bypass corpus):
 * other representations of the same customers, JSON spelled the ways a reader may disagree on,
 * encodings the gateway did not ask for, and values in the parts of a response that are not its body.
 */
function misbehavingAnswer(route: string, request: http.IncomingMessage, response: http.ServerResponse) {
  const ada = CUSTOMERS[0] as (typeof CUSTOMERS)[number];
  const send = (headers: http.OutgoingHttpHeaders | string[], body: string | Buffer) => {
    response.writeHead(200, headers);
    response.end(request.method === "HEAD" ? undefined : body);
    return true;
  };
  const asCsv = () => ["id,name,ssn", ...CUSTOMERS.map((c) => `${c.id},${c.name},${c.ssn}`)].join("\n");
  switch (route) {
    case "GET /api/negotiated":
      // Content negotiation: the agent's Accept picks the representation.
      if ((request.headers.accept ?? "").includes("text/csv"))
        return send({ "content-type": "text/csv" }, asCsv());
      if ((request.headers.accept ?? "").includes("text/html"))
        return send({ "content-type": "text/html" }, `<td>${ada.ssn}</td>`);
      return send({ "content-type": "application/json" }, JSON.stringify({ customers: CUSTOMERS }));
    case "GET /api/json-as-text":
      return send({ "content-type": "text/plain; charset=utf-8" }, JSON.stringify({ customers: CUSTOMERS }));
    case "GET /api/text-json":
      return send({ "content-type": "text/json" }, JSON.stringify({ customers: CUSTOMERS }));
    case "GET /api/escaped-keys":
      return send(
        { "content-type": "application/json" },
        `{"customers":[{"id":1,"s\\u0073n":"${ada.ssn}"}]}`,
      );
    case "GET /api/escaped-values":
      return send(
        { "content-type": "application/json" },
        `{"ssn":"\\u0031\\u0032\\u0033-45-6789","note":"ada\\u0040example.com"}`,
      );
    case "GET /api/duplicate-keys":
      return send({ "content-type": "application/json" }, `{"ssn":"000-00-0000","ssn":"${ada.ssn}"}`);
    case "GET /api/ssn-number":
      return send({ "content-type": "application/json" }, `{"ssn":123456789,"card":4111111111111111}`);
    case "GET /api/ssn-object":
      return send({ "content-type": "application/json" }, JSON.stringify({ ssn: { value: ada.ssn } }));
    case "GET /api/bom":
      return send({ "content-type": "application/json" }, `\ufeff${JSON.stringify({ ssn: ada.ssn })}`);
    case "GET /api/utf16":
      return send(
        { "content-type": "application/json" },
        Buffer.from(JSON.stringify({ ssn: ada.ssn }), "utf16le"),
      );
    case "GET /api/latin1":
      return send(
        { "content-type": "application/json; charset=iso-8859-1" },
        JSON.stringify({ ssn: ada.ssn }),
      );
    case "GET /api/deep":
      return send({ "content-type": "application/json" }, `${"[".repeat(200)}"${ada.ssn}"${"]".repeat(200)}`);
    case "GET /api/json-in-string":
      return send(
        { "content-type": "application/json" },
        JSON.stringify({ payload: JSON.stringify({ ssn: ada.ssn }) }),
      );
    case "GET /api/problem":
      return send(
        { "content-type": "application/problem+json" },
        JSON.stringify({ detail: { ssn: ada.ssn } }),
      );
    case "GET /api/two-encodings":
      return send(
        ["content-type", "application/json", "content-encoding", "identity", "content-encoding", "gzip"],
        gzipSync(JSON.stringify({ ssn: ada.ssn })),
      );
    case "GET /api/gzip-text":
      return send(
        { "content-type": "text/plain", "content-encoding": "gzip" },
        gzipSync(`${ada.email} ${ada.ssn}`),
      );
    case "GET /api/deflate":
      return send(
        { "content-type": "application/json", "content-encoding": "deflate" },
        deflateSync(JSON.stringify({ ssn: ada.ssn })),
      );
    case "GET /api/br":
      return send(
        { "content-type": "application/json", "content-encoding": "br" },
        brotliCompressSync(JSON.stringify({ ssn: ada.ssn })),
      );
    case "GET /api/gzip-no-header":
      // Compressed bytes declared as plain text: not text at all.
      return send({ "content-type": "text/plain" }, gzipSync(`${ada.email} ${ada.ssn}`));
    case "GET /api/two-types":
      return send(
        ["content-type", "application/octet-stream", "content-type", "application/json"],
        JSON.stringify({ ssn: ada.ssn }),
      );
    case "GET /api/header-values":
      return send(
        {
          "content-type": "application/json",
          "x-customer-email": ada.email,
          etag: `"${ada.ssn}"`,
          "content-language": ada.email,
          "x-request-id": ada.ssn,
          link: `<https://upstream.internal/${ada.email}>; rel=next`,
        },
        "{}",
      );
    case "GET /api/redirect-with-value":
      response.writeHead(302, { location: `/api/customers?email=${ada.email}` });
      response.end();
      return true;
    case "GET /api/trailers":
      response.writeHead(200, { "content-type": "application/json", trailer: "x-ssn" });
      response.write("{}");
      response.addTrailers({ "x-ssn": ada.ssn });
      response.end();
      return true;
    case "GET /api/early-hints":
      response.writeEarlyHints({ link: `</${ada.email}>; rel=preload` });
      return send({ "content-type": "application/json" }, "{}");
    case "GET /api/error-json":
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "boom", ssn: ada.ssn }));
      return true;
    case "GET /api/ranged":
      // A static file server honours Range: a slice of the document is another document.
      if (request.headers.range) {
        response.writeHead(206, { "content-type": "application/json", "content-range": "bytes 0-12/40" });
        response.end(`"${ada.name}"`);
        return true;
      }
      return send({ "content-type": "application/json" }, JSON.stringify({ name: ada.name }));
    default:
      return false;
  }
}
