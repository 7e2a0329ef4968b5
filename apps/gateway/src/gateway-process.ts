/**
 * A gateway in a process of its own, against an existing store: tests of what crosses processes (a
 * review approved while another process holds the statement; a gateway that dies holding one) and
 * benchmarks that measure the gateway's own memory. Prints `{"port","httpPort","mcpPort","pid"}` as
 * one JSON line; the HTTP listener starts when SLUICE_GATEWAY_HTTP_PORT is set (0: a free port), the
 * MCP endpoint when SLUICE_GATEWAY_MCP_PORT is; it serves TLS when SLUICE_GATEWAY_TLS=on.
 *
 *   SLUICE_GATEWAY_STORE_URL=postgresql://… SLUICE_GATEWAY_SECRET_KEY=<base64> tsx apps/gateway/src/gateway-process.ts
 *
 * Its environment is read by `env.ts` only; a missing or malformed key stops it before it listens.
 */
import "./wasm-tiers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPrisma } from "@sluice/db/prisma";
import { loadGatewayProcessEnv } from "./env";
import { startGateway } from "./start-gateway";

const env = loadGatewayProcessEnv();
const prisma = createPrisma(env.storeUrl);
const gateway = await startGateway({
  prisma,
  databaseUrl: env.storeUrl,
  port: 0,
  httpPort: env.httpPort,
  mcpPort: env.mcpPort,
  secretKey: env.secretKey,
  isNativeKeyedHashAllowed: env.isNativeKeyedHashAllowed,
  home: mkdtempSync(path.join(tmpdir(), "sluice-gw-proc-")),
  isTlsEnabled: env.isTlsEnabled,
  hosts: ["127.0.0.1"],
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(
  `${JSON.stringify({ port: gateway.port, httpPort: gateway.httpPort, mcpPort: gateway.mcpPort, pid: process.pid })}\n`,
);
process.once("SIGTERM", () => {
  void gateway
    .close()
    .then(() => prisma.$disconnect())
    .then(() => process.exit(0));
});
