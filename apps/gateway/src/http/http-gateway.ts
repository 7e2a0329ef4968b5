import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { evaluateRequest } from "@sluice/http-policy/evaluate";
import { MAX_REQUEST_BODY_BYTES, MAX_REQUEST_HEADER_BYTES } from "@sluice/http-policy/limits";
import { type HttpRequestFacts, readRequest } from "@sluice/http-policy/read-request";
import type { HttpConnectionPolicy } from "@sluice/http-policy/rules";
import type { ResponseMasking } from "@sluice/http-policy/value-masking";
import type { ReviewBroker } from "@sluice/policy/decision-point";
import type { AgentReviews } from "@sluice/reviews/agent-reviews";
import type { ReviewedCallKeys } from "@sluice/reviews/reviewed-call-seal";
import type { AgentRecord } from "@sluice/session/directory";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { KEPT_BOUND_LOGIN_HINT, KEPT_BOUND_LOGIN_MESSAGE } from "../recording/recording-limits";
import type { RefusedAttempt } from "../refused-attempts";
import { AgentAuth, readCredentials } from "./agent-auth";
import { REVIEW_STATUS_PREFIX } from "./call-review";
import { ConnectionCache, maskingCache } from "./http-caches";
import type { HttpDirectory } from "./http-directory";
import { KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "./http-limits";
import { sendRefusal } from "./http-refusal";
import type { HttpRevocations, RevocableCaches } from "./http-revocation";
import { type HttpSession, type HttpSessionSinks, HttpSessions } from "./http-sessions";
import { readBody } from "./read-body";
import { relayCall } from "./relay-call";
import { type ApprovedCall, answerReviewRoute } from "./review-status";
import { UpstreamPools } from "./upstream-call";

export type HttpGatewayOptions = {
  port: number;
  host?: string;
  /** The gateway's certificate; null serves plain HTTP (tests, a TLS-terminating front). */
  tls: { cert: Buffer | string; key: Buffer | string } | null;
  directory: HttpDirectory;
  policy: (connectionId: string) => HttpConnectionPolicy | undefined;
  /** Moves whenever the policy store reloads: cached connection records are read again. */
  policyVersion: () => number;
  /** Keyed-hash secret for HASH masking (the same deployment key as the SQL path). */
  hashKey: Buffer;
  /** Session rows, audit and recordings: the SQL path's. */
  sessions: HttpSessionSinks;
  /** The review broker the SQL path uses; null refuses every call a review rule matches. */
  reviews: ReviewBroker | null;
  /** Seal and hash reviewed calls' rows; the status URL's reviews (see review-status.ts). */
  reviewKeys: ReviewedCallKeys;
  agentReviews: AgentReviews;
  /** Records a call refused before it became a session (auth, connection, access), off the request path. */
  recordRefusal: (attempt: RefusedAttempt) => void;
  /** Starts the revocation watcher over the listener's caches and calls in flight. */
  watchRevocations: (caches: RevocableCaches) => Pick<HttpRevocations, "note" | "track" | "stop">;
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
  const connections = new ConnectionCache(options.directory, options.policyVersion);
  const maskingFor = maskingCache(options.hashKey);
  const sessions = new HttpSessions(options.sessions);
  const revocations = options.watchRevocations({
    forgetCredential: (credentialId) => auth.forgetCredential(credentialId),
    forgetConnection: (connectionId) => connections.forget(connectionId),
  });
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
    const authenticated = await auth.authenticate(request.headers.authorization, address, request.socket);
    if (!authenticated.ok) {
      request.resume();
      // A rate-limited guess (429) is not written: the limit keeps the store's rows bounded too.
      if (authenticated.status === 401)
        options.recordRefusal({
          path: "http",
          agentId: null,
          claimedAgent: readCredentials(request.headers.authorization)?.agentName ?? null,
          connectionId: null,
          claimedConnection: firstSegment(request.url),
          clientAddress: address,
          isTls: Boolean((request.socket as TLSSocket).encrypted),
          rule: "sluice:auth",
          message: authenticated.message,
          ...(authenticated.reason ? { reason: authenticated.reason } : {}),
        });
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
    if (request.url?.startsWith(REVIEW_STATUS_PREFIX)) {
      // A status read or a run takes no body: the call run is the one reviewed.
      request.resume();
      return answerReviewRoute({
        request,
        response,
        agent,
        reviews: options.agentReviews,
        keys: options.reviewKeys,
        serve: (facts, body, approved) => serveCall(request, response, agent, facts, body, approved),
        log: options.log,
      });
    }
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
      // The connection is not known yet: the attempt is recorded under the name the target gave.
      options.recordRefusal({
        path: "http",
        agentId: agent.agentId,
        claimedAgent: agent.agentName,
        connectionId: null,
        claimedConnection: firstSegment(request.url),
        clientAddress: address,
        isTls: Boolean((request.socket as TLSSocket).encrypted),
        rule: refusal.rule,
        message: refusal.message,
      });
      return sendRefusal(response, status, refusal);
    }
    await serveCall(request, response, agent, read.value, body.body);
  }

  /** A call read and authenticated: its connection, access, policy, session, then relayCall. */
  async function serveCall(
    request: IncomingMessage,
    response: ServerResponse,
    agent: AgentRecord,
    facts: HttpRequestFacts,
    body: Buffer,
    approved?: ApprovedCall,
  ): Promise<void> {
    const connection = await connections.find(facts.connectionName);
    const refuseBeforeSession = (
      status: number,
      refusal: { rule: string; message: string; hint?: string },
    ) => {
      options.recordRefusal({
        path: "http",
        agentId: agent.agentId,
        claimedAgent: agent.agentName,
        connectionId: connection?.connectionId ?? null,
        claimedConnection: facts.connectionName,
        clientAddress: request.socket.remoteAddress ?? "unknown",
        isTls: Boolean((request.socket as TLSSocket).encrypted),
        rule: refusal.rule,
        message: refusal.message,
      });
      sendRefusal(response, status, refusal);
    };
    if (approved && connection && connection.connectionId !== approved.connectionId)
      return sendRefusal(response, 409, {
        rule: "sluice:review-run",
        message: `connection ${facts.connectionName} is not the one review R-${approved.number} was for (renamed since?); nothing was run`,
      });
    if (!connection)
      return refuseBeforeSession(404, {
        rule: "sluice:http-connection",
        message: `no HTTP connection named ${facts.connectionName}`,
      });
    if (!agent.groups.some((group) => connection.allowedGroups.includes(group)))
      return refuseBeforeSession(403, {
        rule: "sluice:access",
        message: `agent ${agent.agentName} may not use connection ${connection.name}`,
        hint: "an admin can add one of the agent's groups to the connection",
      });
    if (connection.requireClientTls && !(request.socket as TLSSocket).encrypted)
      return refuseBeforeSession(403, {
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
    // The SQL paths' check at login, asked by every call: a new session or a call on a kept one
    // would record more while the process keeps all it may for the store (nothing runs unrecorded).
    if (options.sessions.recordings.isAtKeptBound()) {
      options.log(`[http] ${agent.agentName}: refused a call: ${KEPT_BOUND_LOGIN_MESSAGE}`);
      return sendRefusal(response, 503, {
        rule: "sluice:store-unavailable",
        message: KEPT_BOUND_LOGIN_MESSAGE,
        hint: KEPT_BOUND_LOGIN_HINT,
      });
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
    // A workload token's groups and expiry count as on the wire paths: the watcher checks both.
    const checkedCall = {
      agentId: agent.agentId,
      credentialId: agent.credentialId,
      connectionId: connection.connectionId,
      ...(agent.tokenGroups ? { tokenGroups: agent.tokenGroups } : {}),
      ...(agent.tokenExpiresAt ? { tokenExpiresAt: agent.tokenExpiresAt } : {}),
    };
    revocations.note(checkedCall, agent.groups);
    // A revocation while the call waits (review, upstream) or streams ends it, within a second.
    const untrack = revocations.track({
      ...checkedCall,
      end: (reason) =>
        sendRefusal(response, 401, { rule: "sluice:revoked", message: reason }, { isClosing: true }),
    });
    try {
      await relayCall({
        request,
        response,
        agent,
        connection,
        facts,
        verdict,
        masking,
        session,
        body,
        pools,
        reviews: options.reviews,
        reviewKeys: options.reviewKeys,
        ...(approved ? { approvedRun: approved.run } : {}),
        log: options.log,
      });
    } finally {
      untrack();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      revocations.stop();
      pools.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The connection a target names (its first path segment), as given; null when there is none. */
function firstSegment(target: string | undefined): string | null {
  const segment = (target ?? "").split("?", 1)[0]?.split("/")[1];
  return segment ? segment : null;
}
