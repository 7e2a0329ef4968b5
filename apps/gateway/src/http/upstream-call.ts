import http from "node:http";
import https from "node:https";
import { forwardedRequestHeaders } from "@sluice/http-policy/headers";
import type { HttpRequestFacts } from "@sluice/http-policy/read-request";
import type { HttpConnectionRecord } from "./http-directory";
import { UPSTREAM_MAX_FREE_SOCKETS } from "./http-limits";

/** Why an upstream call failed, in words for the agent (never the brokered credentials). */
export class UpstreamCallError extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What every call to one connection record sends alike: its socket pool, the Host header and the
 * brokered credential header. Made once per record (a reload makes a new record), not per call.
 */
type UpstreamTarget = {
  pool: http.Agent;
  transport: typeof http | typeof https;
  host: string;
  /** [lower-case name, value], or null when the connection brokers no credential. */
  credential: [string, string] | null;
};

/**
 * Keep-alive socket pools, one per connection and TLS setting: a changed CA or mode gets a new pool,
 * never a socket verified under the old one.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, http.Agent>();
  /** By record: a cached record's calls find their target without building the pool key (with the CA's PEM) again. */
  private targets = new WeakMap<HttpConnectionRecord, UpstreamTarget>();

  targetOf(connection: HttpConnectionRecord): UpstreamTarget {
    let target = this.targets.get(connection);
    if (!target) {
      const isPlain = connection.tlsMode === "DISABLE";
      target = {
        pool: this.forConnection(connection),
        transport: isPlain ? http : https,
        host:
          connection.port === (isPlain ? 80 : 443)
            ? connection.host
            : `${connection.host}:${connection.port}`,
        credential: credentialHeader(connection.auth),
      };
      this.targets.set(connection, target);
    }
    return target;
  }

  private forConnection(connection: HttpConnectionRecord): http.Agent {
    const key = JSON.stringify([
      connection.connectionId,
      connection.host,
      connection.port,
      connection.tlsMode,
      connection.tlsCaPem,
      connection.tlsServerName,
    ]);
    let pool = this.pools.get(key);
    if (!pool) {
      const base = { keepAlive: true, maxFreeSockets: UPSTREAM_MAX_FREE_SOCKETS };
      pool =
        connection.tlsMode === "DISABLE"
          ? new http.Agent(base)
          : new https.Agent({
              ...base,
              // Every TLS mode verifies the chain (custom CA or the system's): HTTP has no "encrypt
              // but trust anyone" mode here. VERIFY_CA alone skips the name check.
              rejectUnauthorized: true,
              ...(connection.tlsCaPem ? { ca: connection.tlsCaPem } : {}),
              servername: connection.tlsServerName ?? connection.host,
              ...(connection.tlsMode === "VERIFY_CA" ? { checkServerIdentity: () => undefined } : {}),
            });
      this.pools.set(key, pool);
    }
    return pool;
  }

  close(): void {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
    this.targets = new WeakMap();
  }
}

/**
 * Sends the judged call upstream: the canonical path and query under the connection's base path,
 * the allow-listed agent headers, identity encoding, the brokered credentials. Resolves with the
 * upstream's response headers; the body streams after.
 */
export function callUpstream(options: {
  connection: HttpConnectionRecord;
  facts: HttpRequestFacts;
  rawHeaders: readonly string[];
  body: Buffer;
  pools: UpstreamPools;
}): Promise<http.IncomingMessage> {
  const { connection, facts, body } = options;
  const target = options.pools.targetOf(connection);
  const headers: Record<string, string> = {};
  for (const [name, value] of forwardedRequestHeaders(options.rawHeaders)) headers[name] = value;
  headers.host = target.host;
  headers["accept-encoding"] = "identity";
  if (facts.hasBody) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(body.length);
  }
  if (target.credential) headers[target.credential[0]] = target.credential[1];
  const path = `${connection.basePath}${facts.path}${facts.canonicalQuery ? `?${facts.canonicalQuery}` : ""}`;
  const send = () => sendOnce(options, target, headers, path);
  return send().catch((error: unknown) => {
    if (!(error instanceof StaleSocketError)) throw error;
    // The upstream closed an idle keep-alive socket as the call went out on it: nothing was
    // answered, and a method that changes nothing is safe to send once more on a new socket.
    if (!RETRIED_METHODS.has(facts.method)) throw error.asCallError;
    return send().catch((again: unknown) => {
      throw again instanceof StaleSocketError ? again.asCallError : again;
    });
  });
}

/**
 * Methods sent again after a reused socket was reset before any answer (the keep-alive race: the
 * upstream closing an idle socket just as a call is written to it). Only those that change nothing:
 * a POST or DELETE may have run before the reset, and a reviewed write must run at most once.
 */
const RETRIED_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** A reused keep-alive socket failed before any response byte: maybe the keep-alive race. */
class StaleSocketError extends Error {
  constructor(readonly asCallError: UpstreamCallError) {
    super(asCallError.message);
  }
}

function sendOnce(
  options: { connection: HttpConnectionRecord; facts: HttpRequestFacts; body: Buffer },
  target: UpstreamTarget,
  headers: Record<string, string>,
  path: string,
): Promise<http.IncomingMessage> {
  const { connection, facts, body } = options;
  return new Promise((resolve, reject) => {
    const request = target.transport.request({
      host: connection.host,
      port: connection.port,
      method: facts.method,
      path,
      headers,
      agent: target.pool,
      timeout: connection.timeouts.idleMs,
    });
    const headersMs = connection.timeouts.headersMs;
    const headersTimer = setTimeout(() => {
      request.destroy(new UpstreamCallError(504, `the upstream did not answer within ${headersMs / 1000} s`));
    }, headersMs);
    request.on("timeout", () =>
      request.destroy(
        new UpstreamCallError(504, `the upstream went silent for ${connection.timeouts.idleMs / 1000} s`),
      ),
    );
    request.on("response", (response) => {
      clearTimeout(headersTimer);
      resolve(response);
    });
    request.on("error", (error: Error & { code?: string }) => {
      clearTimeout(headersTimer);
      if (error instanceof UpstreamCallError) return reject(error);
      const failure = new UpstreamCallError(502, describeUpstreamError(error));
      const isStale = request.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");
      reject(isStale ? new StaleSocketError(failure) : failure);
    });
    request.end(facts.hasBody ? body : undefined);
  });
}

/** The header that carries the brokered credential, as the connection's auth kind sends it. */
function credentialHeader(auth: HttpConnectionRecord["auth"]): [string, string] | null {
  if (auth?.kind === "BEARER") return ["authorization", `Bearer ${auth.secret}`];
  if (auth?.kind === "BASIC")
    return ["authorization", `Basic ${Buffer.from(`${auth.username}:${auth.secret}`).toString("base64")}`];
  if (auth?.kind === "HEADER" && auth.header) return [auth.header.toLowerCase(), auth.secret];
  return null;
}

/** A network or TLS failure in words: the code and what it means, never a header or a secret. */
function describeUpstreamError(error: Error & { code?: string }): string {
  const code = error.code ?? "";
  if (code.startsWith("ERR_TLS") || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
    return `the upstream's TLS certificate was not accepted (${code})`;
  if (code === "ECONNREFUSED") return "the upstream refused the connection";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the upstream's host name does not resolve";
  return `the upstream call failed (${code || error.message})`;
}
