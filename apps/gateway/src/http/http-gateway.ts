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
import type { ReviewBroker } from "@sluice/policy/decision-point";
import type { Verdict } from "@sluice/policy/verdict";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { AgentAuth } from "./agent-auth";
import { describeCall, reviewCall } from "./call-review";
import type { HttpConnectionRecord, HttpDirectory } from "./http-directory";
import { AUTH_CACHE_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "./http-limits";
import { sendRefusal } from "./http-refusal";
import { type HttpSession, type HttpSessionSinks, HttpSessions } from "./http-sessions";
import { readBody } from "./read-body";
import { RecordedExchange } from "./recorded-exchange";
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
  /** Session rows, audit and recordings: the SQL path's. */
  sessions: HttpSessionSinks;
  /** The review broker the SQL path uses; null refuses every call a review rule matches. */
  reviews: ReviewBroker | null;
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
  const sessions = new HttpSessions(options.sessions);
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
    let masking: ResponseMasking;
    try {
      masking = maskingFor(policy, agent.groups);
    } catch (error) {
      return sendRefusal(response, 503, { rule: "sluice:invalid-policy", message: (error as Error).message });
    }
    // Audit first: the session row exists before anything of the call reaches the upstream.
    let session: HttpSession;
    try {
      session = await sessions.open({
        socket: request.socket,
        agent,
        connection,
        isTls: Boolean((request.socket as TLSSocket).encrypted),
      });
    } catch (error) {
      options.log(`[http] could not record a session: ${String(error)}`);
      return sendRefusal(response, 503, {
        rule: "sluice:recording",
        message: "the gateway cannot record the call now, so it does not make it; try again",
      });
    }
    const call = describeCall(connection.name, facts);
    const exchange = new RecordedExchange(session, call);
    exchange.request(facts, masking);
    let judged: Verdict;
    let wasHeld = false;
    if (verdict.kind === "deny") {
      options.log(`[http] ${agent.agentName}: ${verdict.message}`);
      judged = { kind: "deny", rule: verdict.rule, message: verdict.message };
    } else if (verdict.kind === "review") {
      judged = await reviewCall({
        broker: options.reviews,
        identity: {
          agentId: agent.agentId,
          agentName: agent.agentName,
          groups: agent.groups,
          connectionId: connection.connectionId,
          connectionName: connection.name,
          sessionId: session.sessionId,
        },
        call,
        facts,
        verdict,
        response,
        onHold: (held) => {
          wasHeld = true;
          exchange.verdict(held);
        },
      });
    } else judged = { kind: "allow" };
    exchange.verdict(judged);
    if (judged.kind === "deny") {
      // A non-blocking review's refusal names the review; the same call goes through once approved.
      const hint =
        verdict.kind === "deny"
          ? verdict.hint
          : wasHeld
            ? undefined
            : "send the same call (method, path, query and body) again once the review is approved";
      return exchange.refuse(response, 403, {
        rule: judged.rule,
        message: judged.message,
        ...(hint ? { hint } : {}),
      });
    }
    if (response.destroyed) return;
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
      return exchange.refuse(response, status, {
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
      return exchange.refuse(response, 502, {
        rule: "sluice:http-response",
        message: plan.message,
        hint: "ask the upstream for uncompressed JSON or text",
      });
    }
    const ended = await relayResponse(upstream, response, plan, (chunk) => exchange.bodyBytes(chunk));
    exchange.response(upstream.statusCode ?? 502, upstream.headers["content-type"], ended.reason);
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
