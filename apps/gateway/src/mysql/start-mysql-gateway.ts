import { createHmac } from "node:crypto";
import type tls from "node:tls";
import type { PrismaClient } from "@sluice/db/prisma";
import { createPolicyDecisionPoint, type ReviewBroker } from "@sluice/policy/decision-point";
import { isOwnerCodeCallAllowed } from "@sluice/policy/mysql-owner-code-calls";
import type { DecisionPoint } from "@sluice/policy/verdict";
import type { LoginLimits } from "@sluice/session/connection-phases";
import type { Directory } from "@sluice/session/directory";
import type { SessionHooks } from "@sluice/session/session-start";
import type { ParsePool } from "@sluice/sql/parse-pool";
import { startMySqlListener } from "@sluice/transport/mysql/mysql-listener";
import type { MySqlSessionIds } from "@sluice/transport/mysql/mysql-session-ids";
import type { PolicyStore } from "../policy/policy-store";
import { createPrismaDirectory } from "../prisma-directory";
import { createMySqlCatalogs } from "./mysql-catalog";
import { createMySqlStatements } from "./mysql-statements";

export type StartMySqlGatewayOptions = {
  port: number;
  hosts?: string[];
  prisma: PrismaClient;
  secretKey: Buffer;
  policies: PolicyStore;
  reviews: ReviewBroker;
  /** Replaces the store's policy (tests). */
  decisions?: DecisionPoint;
  tlsContext: tls.SecureContext | null;
  /** Failed-login limits, shared with the Postgres path. */
  loginLimits?: LoginLimits;
  /** Audit and recording, shared with the Postgres path. */
  hooks?: SessionHooks;
  verifyWorkloadToken?: Directory["verifyWorkloadToken"];
  /** The gateway's parse threads, shared with the Postgres path (absent: statements parsed on the event loop). */
  parsePool?: ParsePool;
  /** The longest statement judged, in UTF-8 bytes (MAX_STATEMENT_BYTES when absent), as on Postgres. */
  maxStatementBytes?: number;
  /** This process's connection ids (a cluster worker's slot and KILL route). */
  sessionIds?: MySqlSessionIds;
  log: (line: string) => void;
};

/**
 * Composes the MySQL data path beside the Postgres one: the same store of agents (MYSQL
 * connections only), the same policies, review broker and parse threads, its own facts cache
 * (MySQL's grammar).
 */
export async function startMySqlGateway(options: StartMySqlGatewayOptions) {
  const statements = createMySqlStatements(options.parsePool ?? null, options.maxStatementBytes);
  const decisions =
    options.decisions ??
    createPolicyDecisionPoint({
      policies: options.policies,
      facts: statements.facts,
      upstreamUser: (connectionId) => options.policies.upstreamUser(connectionId),
      reviews: options.reviews,
      ...(options.maxStatementBytes ? { maxStatementBytes: options.maxStatementBytes } : {}),
    });
  return startMySqlListener({
    port: options.port,
    ...(options.hosts?.[0] ? { host: options.hosts[0] } : {}),
    directory: createPrismaDirectory(options.prisma, options.secretKey, "MYSQL", options.verifyWorkloadToken),
    decisions,
    catalogFor: createMySqlCatalogs(),
    maskingRules: (connectionId) => options.policies.get(connectionId)?.masking ?? [],
    isCallAllowed: (connectionId, call) => isOwnerCodeCallAllowed(options.policies.get(connectionId), call),
    // The same key the Postgres path's masking service derives, so a hashed value matches on both.
    hashKey: createHmac("sha256", options.secretKey).update("sluice-masking-hash").digest(),
    reading: statements.reading,
    tlsContext: options.tlsContext,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.loginLimits ? { loginLimits: options.loginLimits } : {}),
    ...(options.sessionIds ? { sessionIds: options.sessionIds } : {}),
    log: options.log,
  });
}
