import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import tls from "node:tls";
import type { PrismaClient } from "@sluice/db/prisma";
import { deleteExpiredRecordings } from "@sluice/db/recording-retention";
import { type Repeating, repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import { createWorkloadTokenVerifier, type VerifyWorkloadToken } from "@sluice/identity/workload-token";
import { allowNativeKeyedHash } from "@sluice/masking/native-keyed-hash";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { DecisionPoint } from "@sluice/policy/verdict";
import { AgentReviews } from "@sluice/reviews/agent-reviews";
import type { WebhookConfig } from "@sluice/reviews/review-webhook";
import { reviewedCallKeys } from "@sluice/reviews/reviewed-call-seal";
import { startReviewBroker } from "@sluice/reviews/start-review-broker";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import { ClientError } from "@sluice/session/client-error";
import type { LoginRefusal } from "@sluice/session/session-start";
import { loadParser } from "@sluice/sql/parser";
import { CancelRegistry } from "@sluice/transport/cancel-registry";
import type { LiveSession } from "@sluice/transport/client-connection";
import { startGatewayServer } from "@sluice/transport/gateway-server";
import type { MySqlSessionIds } from "@sluice/transport/mysql/mysql-session-ids";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import type { UpstreamPoolIdleLimits } from "@sluice/transport/upstream-pool";
import { createHttpDirectory } from "./http/http-directory";
import { startHttpGateway } from "./http/http-gateway";
import { VERIFIED_TOKEN_MS } from "./http/http-limits";
import { HttpRevocations } from "./http/http-revocation";
import { createLoginThrottle } from "./login-limits";
import { createMaskingService } from "./masking/masking-service";
import { startMcpGateway } from "./mcp/mcp-gateway";
import { startMySqlGateway } from "./mysql/start-mysql-gateway";
import { scheduleOrphanSweep } from "./orphaned-sessions";
import { createParsePool } from "./parse-limits";
import { PolicyStore } from "./policy/policy-store";
import { createRelationLookups } from "./policy/relation-lookup";
import { createPrismaDirectory } from "./prisma-directory";
import { RecordingWriter } from "./recording/recording-writer";
import { withRecording } from "./recording/with-recording";
import { createRefusedAttempts, refusedLogin } from "./refused-attempts";
import { watchRevocations } from "./revocation-watcher";
import { createSessionAudit, type EndWriter, GATEWAY_ID } from "./session-audit";

export type StartGatewayOptions = {
  prisma: PrismaClient;
  databaseUrl: string;
  port: number;
  secretKey: Buffer;
  /** TLS material is generated under `<home>/tls` on first start. */
  home: string;
  /** The HTTP data path's port (`https://gateway:PORT/CONNECTION/...`); undefined or null: not started. */
  httpPort?: number | null;
  /** False serves without TLS (SSLRequest answered 'N'). */
  isTlsEnabled?: boolean;
  /** Replaces the store's policy (tests that drive verdicts directly, benchmarks). */
  decisions?: DecisionPoint;
  hosts?: string[];
  /** Where new reviews are announced (HMAC-signed, Slack-compatible); null: nowhere. */
  reviewWebhook?: WebhookConfig | null;
  /** The console's URL, for links in review notices. */
  consoleUrl?: string | null;
  /** Cancel keys of this process's sessions; a cluster worker's forwards keys it does not know. */
  cancels?: CancelRegistry;
  /** MySQL connection ids of this process (a cluster worker's slot and KILL route); absent: slot 0. */
  mysqlSessionIds?: MySqlSessionIds;
  /** A cluster worker: shares the listening socket with its siblings (gateway-cluster.ts). */
  isSharedListener?: boolean;
  /** Longer statements are refused with 54000 before parsing (default MAX_STATEMENT_BYTES, 16 MiB). */
  maxStatementBytes?: number;
  /** Names this process in sessions and held reviews (tests running two gateways in one process). */
  gatewayId?: string;
  /** False keeps the keyed hash in JavaScript (the env's SLUICE_NATIVE_HASH=off); absent: native where built. */
  isNativeKeyedHashAllowed?: boolean;
  /** The MySQL listener's port (0: any free one); null or absent: no MySQL listener. */
  mysqlPort?: number | null;
  /** The MCP endpoint's port (`https://gateway:PORT/mcp`; 0: any free one); null or absent: none. */
  mcpPort?: number | null;
  /** Verifies agents' workload tokens (tests pass one with their own clock); absent: issuers' JWKS, cached. */
  verifyWorkloadToken?: VerifyWorkloadToken;
  /** Pooled upstream logins' idle limits (tests shorten them); absent: upstream-pool.ts's constants. */
  upstreamIdle?: UpstreamPoolIdleLimits;
  /** Waits between a recording chunk's store attempts before its session is ended (tests shorten them); absent: RETRY_DELAYS_MS. */
  recordingRetryDelaysMs?: readonly number[];
  /** Chunk bytes all sessions may keep while the store is away (tests lower it); absent: MAX_KEPT_BYTES. */
  maxKeptRecordingBytes?: number;
  log: (line: string) => void;
};

/** Recordings past their connection's retention are deleted this often (and at start). */
export const RETENTION_SWEEP_MS = 3_600_000;

function scheduleRetention(prisma: PrismaClient, gatewayId: string, log: (line: string) => void): Repeating {
  const sweeping = repeatWithoutOverlap(
    RETENTION_SWEEP_MS,
    async () => {
      const count = await deleteExpiredRecordings(prisma, gatewayId);
      if (count > 0) log(`deleted ${count} recording chunks past their retention`);
    },
    { onError: (error) => log(`retention sweep failed: ${String(error)}`) },
  );
  void sweeping.runNow();
  return sweeping;
}

/** Where this process reaches its own Postgres listener: its bound address, or loopback for "any". */
function loopbackFor(host: string | undefined): string {
  return !host || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}

/** Composes the Postgres gateway: store-backed directory, decisions, TLS, revocation and audit. */
export async function startGateway(options: StartGatewayOptions) {
  if (options.isNativeKeyedHashAllowed !== undefined) allowNativeKeyedHash(options.isNativeKeyedHashAllowed);
  const material = options.isTlsEnabled === false ? null : ensureTlsMaterial(path.join(options.home, "tls"));
  await loadParser();
  const policies = new PolicyStore(options.prisma, options.databaseUrl, (line) =>
    options.log(`[gateway] ${line}`),
  );
  await policies.start();
  const reviews = await startReviewBroker({
    prisma: options.prisma,
    databaseUrl: options.databaseUrl,
    gatewayId: options.gatewayId ?? GATEWAY_ID,
    statementKeys: reviewedCallKeys(options.secretKey),
    webhook: options.reviewWebhook ?? null,
    consoleUrl: options.consoleUrl ?? null,
    log: (line) => options.log(`[gateway] ${line}`),
  });
  // Large statements are parsed on worker threads, so one session's megabytes never stall the rest.
  // One pool for both protocols (threads start with the first such statement); the MySQL relay
  // reads statements itself, so it uses the pool even when the decisions are a test's own.
  const parsePool = createParsePool();
  const decisions =
    options.decisions ??
    createPolicyDecisionPoint({
      policies,
      facts: new FactsCache({ offload: parsePool }),
      upstreamUser: (connectionId) => policies.upstreamUser(connectionId),
      reviews: reviews.broker,
      ...(options.maxStatementBytes ? { maxStatementBytes: options.maxStatementBytes } : {}),
    });
  // The server is created after the writer: a session the writer must end is looked up when it asks.
  let liveSessions: () => LiveSession[] = () => [];
  const recordings = new RecordingWriter(
    options.prisma,
    (line) => options.log(`[gateway] ${line}`),
    deriveKey(options.secretKey, RECORDING_CHAIN_PURPOSE),
    {
      ...(options.recordingRetryDelaysMs ? { retryDelaysMs: options.recordingRetryDelaysMs } : {}),
      ...(options.maxKeptRecordingBytes ? { maxKeptBytes: options.maxKeptRecordingBytes } : {}),
      endSession: (sessionId, reason) => {
        for (const session of liveSessions()) {
          if (session.sessionId === sessionId) session.terminate(ClientError.fatal("53000", reason));
        }
      },
    },
  );
  const verifyWorkloadToken =
    options.verifyWorkloadToken ??
    createWorkloadTokenVerifier({ log: (line) => options.log(`[gateway] ${line}`) });
  const relationLookups = createRelationLookups((line) => options.log(`[gateway] ${line}`));
  const masking = createMaskingService(policies, options.secretKey, (line) =>
    options.log(`[gateway] ${line}`),
  );
  // Refused logins and calls of every path, where admins look for sessions, with the precise reason.
  const recordRefusal = createRefusedAttempts(options.prisma, options.gatewayId ?? GATEWAY_ID, (line) =>
    options.log(`[gateway] ${line}`),
  );
  // The end of a session is retried as its recording is: both are stored once the store is back.
  // A session's end goes with its recording's anchor, and the ends of a second in one statement.
  const retryEnd: EndWriter = (what, sessionId, end) => recordings.writeSessionEnd(what, sessionId, end);
  // One audit and recording for both SQL data paths: the console lists and replays both alike.
  const sessionHooks = {
    ...withRecording(
      createSessionAudit(options.prisma, options.log, options.gatewayId ?? GATEWAY_ID, retryEnd),
      recordings,
    ),
    onLoginRefused: (refusal: LoginRefusal) => recordRefusal(refusedLogin(refusal)),
  };
  // One failed-login budget per address for both SQL listeners: guessing on one counts on the other.
  const loginLimits = createLoginThrottle();
  const server = await startGatewayServer({
    port: options.port,
    hosts: options.hosts,
    directory: createPrismaDirectory(options.prisma, options.secretKey, "POSTGRES", verifyWorkloadToken),
    decisions,
    lookupRelations: (connection) => relationLookups.forConnection(connection),
    mockSaltKey: createHmac("sha256", options.secretKey).update("sluice-scram-mock-salt").digest(),
    masking,
    columnCatalog: (connection) => masking.catalogAccess(connection),
    cancels: options.cancels ?? new CancelRegistry(),
    isSharedListener: options.isSharedListener ?? false,
    tlsContext: material ? tls.createSecureContext({ cert: material.cert, key: material.key }) : null,
    loginLimits,
    hooks: sessionHooks,
    ...(options.upstreamIdle ? { upstreamIdle: options.upstreamIdle } : {}),
    log: (line) => options.log(`[gateway] ${line}`),
  });
  liveSessions = () => server.sessions();
  const httpGateway =
    options.httpPort === undefined || options.httpPort === null
      ? null
      : await startHttpGateway({
          port: options.httpPort,
          ...(options.hosts?.[0] ? { host: options.hosts[0] } : {}),
          tls: material ? { cert: material.cert, key: material.key } : null,
          directory: createHttpDirectory(options.prisma, options.secretKey, verifyWorkloadToken),
          policy: (connectionId) => policies.getHttp(connectionId),
          policyVersion: () => policies.version,
          // The SQL path's HASH key: a value hashes to the same placeholder on both paths.
          hashKey: createHmac("sha256", options.secretKey).update("sluice-masking-hash").digest(),
          sessions: {
            audit: createSessionAudit(options.prisma, options.log, options.gatewayId ?? GATEWAY_ID, retryEnd),
            recordings,
          },
          reviews: reviews.broker,
          reviewKeys: reviewedCallKeys(options.secretKey),
          agentReviews: new AgentReviews(options.prisma, options.gatewayId ?? GATEWAY_ID),
          recordRefusal,
          watchRevocations: (caches) =>
            new HttpRevocations(options.prisma, caches, VERIFIED_TOKEN_MS, (line) =>
              options.log(`[gateway] ${line}`),
            ),
          log: (line) => options.log(`[gateway] ${line}`),
        });
  const mysql =
    options.mysqlPort === undefined || options.mysqlPort === null
      ? null
      : await startMySqlGateway({
          port: options.mysqlPort,
          hosts: options.hosts,
          prisma: options.prisma,
          secretKey: options.secretKey,
          policies,
          reviews: reviews.broker,
          decisions: options.decisions,
          hooks: sessionHooks,
          loginLimits,
          tlsContext: material ? tls.createSecureContext({ cert: material.cert, key: material.key }) : null,
          verifyWorkloadToken,
          ...(options.mysqlSessionIds ? { sessionIds: options.mysqlSessionIds } : {}),
          parsePool,
          ...(options.maxStatementBytes ? { maxStatementBytes: options.maxStatementBytes } : {}),
          log: (line) => options.log(`[gateway] ${line}`),
        });
  const mcp =
    options.mcpPort === undefined || options.mcpPort === null
      ? null
      : await startMcpGateway({
          port: options.mcpPort,
          ...(options.hosts?.[0] ? { host: options.hosts[0] } : {}),
          tls: material ? { cert: material.cert, key: material.key } : null,
          directory: createHttpDirectory(options.prisma, options.secretKey, verifyWorkloadToken),
          prisma: options.prisma,
          // The MCP tools are clients of this gateway's own Postgres listener, as the agent.
          endpoint: {
            host: loopbackFor(options.hosts?.[0]),
            port: server.port,
            caPem: material ? readFileSync(material.caFile, "utf8") : null,
          },
          policy: (connectionId) => policies.get(connectionId),
          recordRefusal,
          isAtKeptBound: () => recordings.isAtKeptBound(),
          log: (line) => options.log(`[gateway] ${line}`),
        });
  const retention = scheduleRetention(options.prisma, options.gatewayId ?? GATEWAY_ID, (line) =>
    options.log(`[gateway] ${line}`),
  );
  const orphans = scheduleOrphanSweep(options.prisma, options.gatewayId ?? GATEWAY_ID, (line) =>
    options.log(`[gateway] ${line}`),
  );
  const revocations = watchRevocations(
    options.prisma,
    () => [...server.sessions(), ...(mysql?.sessions() ?? [])],
    (line) => options.log(`[gateway] ${line}`),
  );
  return {
    port: server.port,
    httpPort: httpGateway?.port ?? null,
    mysqlPort: mysql?.port ?? null,
    mcpPort: mcp?.port ?? null,
    caFile: material?.caFile ?? null,
    server,
    policies,
    close: async () => {
      revocations.stop();
      retention.stop();
      orphans.stop();
      // Held statements are refused (and their reviews abandoned) while their clients can still hear
      // it: the server's close lets each refusal come back through the upstream before the FATAL.
      // A store that cannot record the abandonments must not stop the shutdown: what stays held is
      // withdrawn with its session below, and never runs.
      await reviews
        .close()
        .catch((error: unknown) => options.log(`[gateway] could not abandon held reviews: ${String(error)}`));
      // After the reviews: a held MCP call has then had its refusal; closing ends its session.
      await mcp?.close();
      await mysql?.close();
      await server.close();
      await httpGateway?.close();
      await recordings.close();
      await policies.stop();
      await relationLookups.close();
      await masking.close();
      await parsePool.close();
    },
  };
}
