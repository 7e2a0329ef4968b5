import { forwardedRequestHeaders } from "@sluice/http-policy/headers";
import type { HttpRequestFacts } from "@sluice/http-policy/read-request";
import { Pool } from "undici";
import { hostHeader, hostInAuthority } from "./host-authority";
import type { HttpConnectionRecord } from "./http-directory";
import { UPSTREAM_KEEP_ALIVE_MS } from "./http-limits";
import { UpstreamAnswer } from "./upstream-answer";

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
 * What every call to one connection record sends alike: its socket pool, the Host header, the TLS
 * server name and the brokered credential header. Made once per record (a reload makes a new
 * record), not per call.
 */
type UpstreamTarget = {
  pool: Pool;
  host: string;
  /** The name TLS checks the certificate against (undici would otherwise take it from Host). */
  servername: string | undefined;
  /** [lower-case name, value], or null when the connection brokers no credential. */
  credential: [string, string] | null;
};

/**
 * Keep-alive socket pools (undici's), one per connection, TLS setting and connect timeout: a
 * changed CA or mode gets a new pool, never a socket verified under the old one.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  /** By record: a cached record's calls find their target without building the pool key (with the CA's PEM) again. */
  private targets = new WeakMap<HttpConnectionRecord, UpstreamTarget>();

  targetOf(connection: HttpConnectionRecord): UpstreamTarget {
    let target = this.targets.get(connection);
    if (!target) {
      const isPlain = connection.tlsMode === "DISABLE";
      target = {
        pool: this.forConnection(connection),
        host: hostHeader(connection.host, connection.port, isPlain ? 80 : 443),
        servername: isPlain ? undefined : (connection.tlsServerName ?? connection.host),
        credential: credentialHeader(connection.auth),
      };
      this.targets.set(connection, target);
    }
    return target;
  }

  private forConnection(connection: HttpConnectionRecord): Pool {
    const key = JSON.stringify([
      connection.connectionId,
      connection.host,
      connection.port,
      connection.tlsMode,
      connection.tlsCaPem,
      connection.tlsServerName,
      connection.timeouts.headersMs,
    ]);
    let pool = this.pools.get(key);
    if (!pool) {
      const isPlain = connection.tlsMode === "DISABLE";
      const origin = `${isPlain ? "http" : "https"}://${hostInAuthority(connection.host)}:${connection.port}`;
      pool = new Pool(origin, {
        keepAliveTimeout: UPSTREAM_KEEP_ALIVE_MS,
        connect: {
          // Connecting counts toward the time the upstream has to answer (the headers timer).
          timeout: connection.timeouts.headersMs,
          ...(isPlain
            ? {}
            : {
                // Every TLS mode verifies the chain (custom CA or the system's): HTTP has no "encrypt
                // but trust anyone" mode here. VERIFY_CA alone skips the name check.
                rejectUnauthorized: true,
                ...(connection.tlsCaPem ? { ca: connection.tlsCaPem } : {}),
                servername: connection.tlsServerName ?? connection.host,
                ...(connection.tlsMode === "VERIFY_CA" ? { checkServerIdentity: () => undefined } : {}),
              }),
        },
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  close(): void {
    for (const pool of this.pools.values()) void pool.destroy();
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
}): Promise<UpstreamAnswer> {
  const { connection, facts } = options;
  const target = options.pools.targetOf(connection);
  // Flat [name, value, …]: undici takes them as they are. Host goes first, as Node's client sent it;
  // undici adds Content-Length for a body itself.
  const headers: string[] = ["host", target.host];
  for (const [name, value] of forwardedRequestHeaders(options.rawHeaders)) headers.push(name, value);
  headers.push("accept-encoding", "identity");
  if (facts.hasBody) headers.push("content-type", "application/json");
  if (target.credential) headers.push(target.credential[0], target.credential[1]);
  const path = `${connection.basePath}${facts.path}${facts.canonicalQuery ? `?${facts.canonicalQuery}` : ""}`;
  const send = () => sendOnce(options, target, headers, path);
  return send().catch((error: unknown) => {
    if (!(error instanceof StaleSocketError)) throw error;
    // The upstream closed a keep-alive socket as the call went out on it: nothing was answered,
    // and a method that changes nothing is safe to send once more on a new socket.
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

/** The socket closed or was reset before any response byte: maybe the keep-alive race. */
class StaleSocketError extends Error {
  constructor(readonly asCallError: UpstreamCallError) {
    super(asCallError.message);
  }
}

/**
 * Codes of a socket the upstream closed or reset under a call. undici does not say whether the
 * socket was a reused one, so a fresh socket failing so is sent once more too: only for methods
 * that change nothing, and at most once.
 */
const CLOSED_SOCKET_CODES: ReadonlySet<string> = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

function sendOnce(
  options: { connection: HttpConnectionRecord; facts: HttpRequestFacts; body: Buffer },
  target: UpstreamTarget,
  headers: string[],
  path: string,
): Promise<UpstreamAnswer> {
  const { connection, facts } = options;
  return new Promise((resolve, reject) => {
    const headersMs = connection.timeouts.headersMs;
    const idleMs = connection.timeouts.idleMs;
    let headersTimer: NodeJS.Timeout | undefined;
    const answer = new UpstreamAnswer({
      onHeaders: (answered) => {
        clearTimeout(headersTimer);
        resolve(answered);
      },
      onFailedBeforeHeaders: (error: Error & { code?: string }) => {
        clearTimeout(headersTimer);
        if (error instanceof UpstreamCallError) return reject(error);
        const failure = new UpstreamCallError(502, describeUpstreamError(error));
        reject(CLOSED_SOCKET_CODES.has(error.code ?? "") ? new StaleSocketError(failure) : failure);
      },
      describeBodyFailure: (error: Error & { code?: string }) =>
        error.code === "UND_ERR_BODY_TIMEOUT"
          ? `the upstream failed while streaming (the upstream went silent for ${idleMs / 1000} s)`
          : CLOSED_SOCKET_CODES.has(error.code ?? "")
            ? "the upstream closed before its body was complete"
            : `the upstream failed while streaming (${describeUpstreamError(error)})`,
    });
    headersTimer = setTimeout(() => {
      answer.destroy(new UpstreamCallError(504, `the upstream did not answer within ${headersMs / 1000} s`));
    }, headersMs);
    target.pool.dispatch(
      {
        path,
        method: facts.method,
        headers,
        body: facts.hasBody ? options.body : null,
        // The headers timer above covers connecting, waiting for a socket and the headers.
        headersTimeout: 0,
        bodyTimeout: idleMs,
        ...(target.servername ? { servername: target.servername } : {}),
      },
      answer,
    );
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
