import { createHmac } from "node:crypto";
import path from "node:path";
import tls from "node:tls";
import type { PrismaClient } from "@sluice/db/prisma";
import { deleteExpiredRecordings } from "@sluice/db/recording-retention";
import { allowNativeKeyedHash } from "@sluice/masking/native-keyed-hash";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { DecisionPoint } from "@sluice/policy/verdict";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import { ClientError } from "@sluice/session/client-error";
import { rateLimitedLogins } from "@sluice/session/rate-limited-logins";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { loadParser } from "@sluice/sql/parser";
import { CancelRegistry } from "@sluice/transport/cancel-registry";
import type { LiveSession } from "@sluice/transport/client-connection";
import { startGatewayServer } from "@sluice/transport/gateway-server";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import { createMaskingService } from "./masking/masking-service";
import { startMySqlGateway } from "./mysql/start-mysql-gateway";
import { PolicyStore } from "./policy/policy-store";
import { createRelationLookups } from "./policy/relation-lookup";
import { createPrismaDirectory } from "./prisma-directory";
import { RecordingWriter, withRecording } from "./recording/recording-writer";
import { PrismaReviewBroker } from "./reviews/review-broker";
import type { WebhookConfig } from "./reviews/review-webhook";
import { watchRevocations } from "./revocation-watcher";
import { createSessionAudit, GATEWAY_ID } from "./session-audit";

export type StartGatewayOptions = {
  prisma: PrismaClient;
  databaseUrl: string;
  port: number;
  secretKey: Buffer;
  /** TLS material is generated under `<home>/tls` on first start. */
  home: string;
  /** False serves without TLS (SSLRequest answered 'N'). */
  isTlsEnabled?: boolean;
  /** Replaces the store's policy (tests that drive verdicts directly, benchmarks). */
  decisions?: DecisionPoint;
  hosts?: string[];
  /** Where new reviews are announced (HMAC-signed, Slack-compatible); null: nowhere. */
  reviewWebhook?: WebhookConfig | null;
  /** The console's URL, for links in review notices. */
  consoleUrl?: string | null;
  /** Names this process in sessions and held reviews (tests running two gateways in one process). */
  gatewayId?: string;
  /** False keeps the keyed hash in JavaScript (the env's SLUICE_NATIVE_HASH=off); absent: native where built. */
  isNativeKeyedHashAllowed?: boolean;
  /** The MySQL listener's port (0: any free one); null or absent: no MySQL listener. */
  mysqlPort?: number | null;
  log: (line: string) => void;
};

/** Failed logins allowed per agent name and per client address within AUTH_FAILURE_WINDOW_MS. */
export const AUTH_FAILURES_PER_AGENT = 10;
export const AUTH_FAILURES_PER_ADDRESS = 30;
export const AUTH_FAILURE_WINDOW_MS = 60_000;

/** How long shutdown waits for refusals of held statements to reach their clients. */
const HELD_REFUSAL_GRACE_MS = 500;

/** Recordings past their connection's retention are deleted this often (and at start). */
export const RETENTION_SWEEP_MS = 3_600_000;

function scheduleRetention(
  prisma: PrismaClient,
  gatewayId: string,
  log: (line: string) => void,
): NodeJS.Timeout {
  const sweep = () =>
    void deleteExpiredRecordings(prisma, gatewayId).then(
      (count) => count > 0 && log(`deleted ${count} recording chunks past their retention`),
      (error: unknown) => log(`retention sweep failed: ${String(error)}`),
    );
  sweep();
  const timer = setInterval(sweep, RETENTION_SWEEP_MS);
  timer.unref();
  return timer;
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
  const reviews = new PrismaReviewBroker({
    prisma: options.prisma,
    databaseUrl: options.databaseUrl,
    gatewayId: options.gatewayId ?? GATEWAY_ID,
    webhook: options.reviewWebhook ?? null,
    consoleUrl: options.consoleUrl ?? null,
    log: (line) => options.log(`[gateway] ${line}`),
  });
  await reviews.start();
  const decisions =
    options.decisions ??
    createPolicyDecisionPoint({
      policies,
      facts: new FactsCache(),
      upstreamUser: (connectionId) => policies.upstreamUser(connectionId),
      reviews,
    });
  // The server is created after the writer: a session the writer must end is looked up when it asks.
  let liveSessions: () => LiveSession[] = () => [];
  const recordings = new RecordingWriter(
    options.prisma,
    (line) => options.log(`[gateway] ${line}`),
    deriveKey(options.secretKey, RECORDING_CHAIN_PURPOSE),
    {
      endSession: (sessionId, reason) => {
        for (const session of liveSessions()) {
          if (session.sessionId === sessionId) session.terminate(ClientError.fatal("53000", reason));
        }
      },
    },
  );
  const relationLookups = createRelationLookups((line) => options.log(`[gateway] ${line}`));
  const masking = createMaskingService(policies, options.secretKey, (line) =>
    options.log(`[gateway] ${line}`),
  );
  const server = await startGatewayServer({
    port: options.port,
    hosts: options.hosts,
    directory: createPrismaDirectory(options.prisma, options.secretKey),
    decisions,
    lookupRelations: (connection) => relationLookups.forConnection(connection),
    mockSaltKey: createHmac("sha256", options.secretKey).update("sluice-scram-mock-salt").digest(),
    masking,
    columnCatalog: (connection) => masking.catalogAccess(connection),
    cancels: new CancelRegistry(),
    tlsContext: material ? tls.createSecureContext({ cert: material.cert, key: material.key }) : null,
    loginLimits: rateLimitedLogins(
      new RateLimiter({ maxFailures: AUTH_FAILURES_PER_AGENT, windowMs: AUTH_FAILURE_WINDOW_MS }),
      new RateLimiter({ maxFailures: AUTH_FAILURES_PER_ADDRESS, windowMs: AUTH_FAILURE_WINDOW_MS }),
    ),
    hooks: withRecording(
      createSessionAudit(options.prisma, options.log, options.gatewayId ?? GATEWAY_ID),
      recordings,
    ),
    log: (line) => options.log(`[gateway] ${line}`),
  });
  liveSessions = () => server.sessions();
  const mysql =
    options.mysqlPort === undefined || options.mysqlPort === null
      ? null
      : await startMySqlGateway({
          port: options.mysqlPort,
          hosts: options.hosts,
          prisma: options.prisma,
          secretKey: options.secretKey,
          policies,
          reviews,
          decisions: options.decisions,
          tlsContext: material ? tls.createSecureContext({ cert: material.cert, key: material.key }) : null,
          log: (line) => options.log(`[gateway] ${line}`),
        });
  const retention = scheduleRetention(options.prisma, options.gatewayId ?? GATEWAY_ID, (line) =>
    options.log(`[gateway] ${line}`),
  );
  const revocations = watchRevocations(options.prisma, server, (line) => options.log(`[gateway] ${line}`));
  return {
    port: server.port,
    mysqlPort: mysql?.port ?? null,
    caFile: material?.caFile ?? null,
    server,
    policies,
    close: async () => {
      revocations.stop();
      clearInterval(retention);
      // Held statements are refused (and their reviews abandoned) while their clients can still hear it.
      // A refusal goes to the client after the upstream's answer to the Sync sent in its place.
      if ((await reviews.close()) > 0)
        await new Promise((resolve) => setTimeout(resolve, HELD_REFUSAL_GRACE_MS));
      await mysql?.close();
      await server.close();
      await recordings.close();
      await policies.stop();
      await relationLookups.close();
    },
  };
}
