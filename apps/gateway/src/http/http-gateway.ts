import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { evaluateRequest } from "@sluice/http-policy/evaluate";
import { MAX_REQUEST_BODY_BYTES, MAX_REQUEST_HEADER_BYTES } from "@sluice/http-policy/limits";
import { readRequest } from "@sluice/http-policy/read-request";
import { planResponse } from "@sluice/http-policy/response-plan";
import type { HttpConnectionPolicy } from "@sluice/http-policy/rules";
import { compileMasking, type ResponseMasking } from "@sluice/http-policy/value-masking";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { AgentAuth } from "./agent-auth";
import type { HttpConnectionRecord, HttpDirectory } from "./http-directory";
import { AUTH_CACHE_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "./http-limits";
import { sendRefusal } from "./http-refusal";
import { readBody } from "./read-body";
import { relayResponse } from "./relay-response";
import { callUpstream, UpstreamCallError, UpstreamPools } from "./upstream-call";

export type HttpGatewayOptions = {
  port: number;
  host?: string;
  /** The gateway's certificate; null serves plain HTTP (tests, a TLS-terminating front). */
  tls: { cert: Buffer | string; key: Buffer | string } | null;
  directory: HttpDirectory;
  policy: (connectionId: string) => HttpConnectionPolicy | undefined;
  /** Keyed-hash secret for HASH masking (the same deployment key as the SQL path). */
  hashKey: Buffer;
  log: (line: string) => void;
};

/** Failed logins per client address within the window before it must wait. */
const AUTH_FAILURES_PER_ADDRESS = 30;
const AUTH_FAILURE_WINDOW_MS = 60_000;

/**
 * The HTTP data path: `https://gateway:PORT/CONNECTION/path`. Per request: authenticate the agent,
 * read the body (bounded), read the request one way (http-policy), find the connection and check
 * the agent's groups, judge it, call the upstream with brokered credentials, and stream its
 * response back masked. Upgrades (WebSocket, h2c) are refused.
 */
export async function startHttpGateway(options: HttpGatewayOptions) {
  const auth = new AgentAuth(
    options.directory,
    new RateLimiter({ maxFailures: AUTH_FAILURES_PER_ADDRESS, windowMs: AUTH_FAILURE_WINDOW_MS }),
  );
  const pools = new UpstreamPools();
  const connections = new ConnectionCache(options.directory);
  const maskingFor = maskingCache(options.hashKey);
  const serverOptions: http.ServerOptions = {
    maxHeaderSize: MAX_REQUEST_HEADER_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Duplicates stay visible in rawHeaders, where read-request refuses the ones that matter.
    joinDuplicateHeaders: false,
  };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch((error: unknown) => {
      options.log(`[http] internal error: ${error instanceof Error ? error.message : String(error)}`);
      sendRefusal(
        response,
        500,
        { rule: "sluice:internal", message: "the gateway failed to handle the call" },
        { isClosing: true },
      );
    });
  };
  const server = options.tls
    ? https.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handle)
    : http.createServer(serverOptions, handle);
  server.on("upgrade", (_request, socket) => {
    const body = JSON.stringify({
      error: { rule: "sluice:http-upgrade", message: "protocol upgrades (WebSocket, h2c) are not relayed" },
    });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const address = request.socket.remoteAddress ?? "unknown";
    const authenticated = await auth.authenticate(request.headers.authorization, address);
    if (!authenticated.ok) {
      request.resume();
      return sendRefusal(
        response,
        authenticated.status,
        { rule: "sluice:auth", message: authenticated.message },
        {
          isClosing: true,
          ...(authenticated.status === 401
            ? { headers: { "www-authenticate": 'Bearer realm="sluice"' } }
            : {}),
        },
      );
    }
    const agent = authenticated.agent;
    const body = await readBody(request, MAX_REQUEST_BODY_BYTES);
    if (!body.ok) {
      return sendRefusal(
        response,
        413,
        {
          rule: "sluice:http-body",
          message: `the request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`,
        },
        { isClosing: true },
      );
    }
    const read = readRequest({
      method: request.method ?? "",
      target: request.url ?? "",
      rawHeaders: request.rawHeaders,
      body: body.body,
    });
    if (!read.ok) {
      options.log(
        `[http] ${agent.agentName}: refused ${request.method} ${request.url}: ${read.refusal.message}`,
      );
      const { status, ...refusal } = read.refusal;
      return sendRefusal(response, status, refusal);
    }
    const facts = read.value;
    const connection = await connections.find(facts.connectionName);
    if (!connection)
      return sendRefusal(response, 404, {
        rule: "sluice:http-connection",
        message: `no HTTP connection named ${facts.connectionName}`,
      });
    if (!agent.groups.some((group) => connection.allowedGroups.includes(group)))
      return sendRefusal(response, 403, {
        rule: "sluice:access",
        message: `agent ${agent.agentName} may not use connection ${connection.name}`,
        hint: "an admin can add one of the agent's groups to the connection",
      });
    if (connection.requireClientTls && !(request.socket as TLSSocket).encrypted)
      return sendRefusal(response, 403, {
        rule: "sluice:client-tls",
        message: `connection ${connection.name} requires TLS to the gateway`,
      });
    const policy = options.policy(connection.connectionId);
    if (!policy)
      return sendRefusal(response, 503, {
        rule: "sluice:no-policy",
        message: `no policy is loaded for connection ${connection.name} yet`,
      });
    const verdict = evaluateRequest(policy, facts);
    if (verdict.kind === "deny") {
      options.log(`[http] ${agent.agentName}: ${verdict.message}`);
      const { status, kind: _kind, ...refusal } = verdict;
      return sendRefusal(response, status, refusal);
    }
    let masking: ResponseMasking;
    try {
      masking = maskingFor(policy, agent.groups);
    } catch (error) {
      return sendRefusal(response, 503, { rule: "sluice:invalid-policy", message: (error as Error).message });
    }
    let upstream: IncomingMessage;
    try {
      upstream = await callUpstream({
        connection,
        facts,
        rawHeaders: request.rawHeaders,
        body: body.body,
        pools,
      });
    } catch (error) {
      const status = error instanceof UpstreamCallError ? error.status : 502;
      return sendRefusal(response, status, {
        rule: "sluice:upstream",
        message: error instanceof Error ? error.message : "the upstream call failed",
      });
    }
    const plan = planResponse({
      method: facts.method,
      status: upstream.statusCode ?? 502,
      rawHeaders: upstream.rawHeaders,
      masking,
    });
    if (plan.kind === "refuse") {
      upstream.destroy();
      return sendRefusal(response, 502, {
        rule: "sluice:http-response",
        message: plan.message,
        hint: "ask the upstream for uncompressed JSON or text",
      });
    }
    const ended = await relayResponse(upstream, response, plan);
    if (ended.outcome === "cut")
      options.log(
        `[http] ${agent.agentName}: ${facts.method} ${connection.name}${facts.path} cut: ${ended.reason}`,
      );
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      pools.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connection records for AUTH_CACHE_MS: a keep-alive agent does not cost a store read per call. */
class ConnectionCache {
  private readonly entries = new Map<string, { record: HttpConnectionRecord | null; until: number }>();
  constructor(private readonly directory: HttpDirectory) {}

  async find(name: string): Promise<HttpConnectionRecord | null> {
    const cached = this.entries.get(name);
    if (cached && cached.until > Date.now()) return cached.record;
    const record = await this.directory.findConnection(name);
    this.entries.set(name, { record, until: Date.now() + AUTH_CACHE_MS });
    return record;
  }
}

/** Compiled masking per policy object (a reload makes new ones) and agent groups. */
function maskingCache(hashKey: Buffer) {
  const byPolicy = new WeakMap<HttpConnectionPolicy, Map<string, ResponseMasking>>();
  return (policy: HttpConnectionPolicy, groups: readonly string[]): ResponseMasking => {
    let byGroups = byPolicy.get(policy);
    if (!byGroups) {
      byGroups = new Map();
      byPolicy.set(policy, byGroups);
    }
    const key = [...groups].sort().join("\0");
    let masking = byGroups.get(key);
    if (!masking) {
      masking = compileMasking(policy.masking, groups, hashKey);
      byGroups.set(key, masking);
    }
    return masking;
  };
}
