import path from "node:path";
import tls from "node:tls";
import type { PrismaClient } from "@sluice/db/prisma";
import { ALLOW_ALL, type DecisionPoint } from "@sluice/policy/verdict";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { CancelRegistry } from "@sluice/transport/cancel-registry";
import { startGatewayServer } from "@sluice/transport/gateway-server";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import { createPrismaDirectory } from "./prisma-directory";
import { watchRevocations } from "./revocation-watcher";
import { createSessionAudit } from "./session-audit";

export type StartGatewayOptions = {
  prisma: PrismaClient;
  databaseUrl: string;
  port: number;
  secretKey: Buffer;
  /** TLS material is generated under `<home>/tls` on first start. */
  home: string;
  /** False serves without TLS (SSLRequest answered 'N'). */
  isTlsEnabled?: boolean;
  decisions?: DecisionPoint;
  hosts?: string[];
  log: (line: string) => void;
};

/** Failed logins allowed per agent name and per client address within AUTH_FAILURE_WINDOW_MS. */
export const AUTH_FAILURES_PER_AGENT = 10;
export const AUTH_FAILURES_PER_ADDRESS = 30;
export const AUTH_FAILURE_WINDOW_MS = 60_000;

/** Composes the Postgres gateway: store-backed directory, decisions, TLS, revocation and audit. */
export async function startGateway(options: StartGatewayOptions) {
  const material = options.isTlsEnabled === false ? null : ensureTlsMaterial(path.join(options.home, "tls"));
  const server = await startGatewayServer({
    port: options.port,
    hosts: options.hosts,
    directory: createPrismaDirectory(options.prisma, options.secretKey),
    decisions: options.decisions ?? ALLOW_ALL,
    cancels: new CancelRegistry(),
    tlsContext: material ? tls.createSecureContext({ cert: material.cert, key: material.key }) : null,
    failuresByAgent: new RateLimiter({
      maxFailures: AUTH_FAILURES_PER_AGENT,
      windowMs: AUTH_FAILURE_WINDOW_MS,
    }),
    failuresByAddress: new RateLimiter({
      maxFailures: AUTH_FAILURES_PER_ADDRESS,
      windowMs: AUTH_FAILURE_WINDOW_MS,
    }),
    hooks: createSessionAudit(options.prisma, options.log),
    log: (line) => options.log(`[gateway] ${line}`),
  });
  const revocations = watchRevocations(options.prisma, server, (line) => options.log(`[gateway] ${line}`));
  return {
    port: server.port,
    caFile: material?.caFile ?? null,
    server,
    close: async () => {
      revocations.stop();
      await server.close();
    },
  };
}
