/**
 * A gateway in a process of its own, for tests of what crosses processes (a review approved while
 * another process holds the statement; a gateway that dies holding one). Prints its port as JSON.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPrisma } from "@sluice/db/prisma";
import { startGateway } from "../../src/start-gateway";

const databaseUrl = process.env.SLUICE_TEST_STORE_URL ?? "";
const secretKey = Buffer.from(process.env.SLUICE_TEST_SECRET_KEY ?? "", "base64");
const prisma = createPrisma(databaseUrl);
const gateway = await startGateway({
  prisma,
  databaseUrl,
  port: 0,
  secretKey,
  home: mkdtempSync(path.join(tmpdir(), "sluice-gw-proc-")),
  isTlsEnabled: false,
  hosts: ["127.0.0.1"],
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ port: gateway.port, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void gateway
    .close()
    .then(() => prisma.$disconnect())
    .then(() => process.exit(0));
});
