import { type DemoMySql, startDemoMySql } from "@sluice/db/demo/demo-mysql";
import { DEMO_AGENT, DEMO_CONNECTION } from "@sluice/db/demo/demo-policy";
import { ensureDemoWorkloadAgent } from "@sluice/db/demo/demo-workload";
import { assertPortFree } from "@sluice/db/port-check";
import { getPrisma } from "@sluice/db/prisma";
import { startGatewayCluster } from "@sluice/gateway/gateway-cluster";
import type { Env } from "../env";
import { renderBanner } from "./banner";
import { startConsole } from "./console-process";
import { type DemoState, ensureDemo } from "./demo";
import { startIdentityProvider } from "./identity-provider";
import { openStore } from "./open-store";
import { startSamlIdentityProvider } from "./saml-identity-provider";
import { deriveKey, loadSecretKey } from "./secret-key";

type Stoppable = { name: string; stop: () => Promise<void> };

/**
 * Brings up the store, the demo, the gateway and the console, and takes them down in reverse order
 * on SIGINT/SIGTERM (or when the console dies), so no process outlives `start`.
 */
export async function runStart(env: Env): Promise<void> {
  const log = (line: string) => console.log(`[sluice] ${line}`);
  await assertPortFree(env.SLUICE_CONSOLE_PORT, "SLUICE_CONSOLE_PORT");
  await assertPortFree(env.SLUICE_GATEWAY_PORT, "SLUICE_GATEWAY_PORT");
  await assertPortFree(env.SLUICE_MYSQL_PORT, "SLUICE_MYSQL_PORT");
  await assertPortFree(env.SLUICE_MCP_PORT, "SLUICE_MCP_PORT");
  if (!env.OIDC_ISSUER) await assertPortFree(env.SLUICE_OIDC_PORT, "SLUICE_OIDC_PORT");
  if (!env.SAML_IDP_METADATA_URL && !env.SLUICE_NO_DEMO)
    await assertPortFree(env.SLUICE_SAML_PORT, "SLUICE_SAML_PORT");

  const running: Stoppable[] = [];
  let isStopping = false;
  const stopAll = async (exitCode: number) => {
    if (isStopping) return;
    isStopping = true;
    log("stopping…");
    for (const part of running.reverse()) {
      await part.stop().catch((error: unknown) => log(`stopping ${part.name} failed: ${String(error)}`));
    }
    process.exit(exitCode);
  };
  process.once("SIGINT", () => void stopAll(0));
  process.once("SIGTERM", () => void stopAll(0));

  try {
    const store = await openStore(env, log);
    running.push({ name: "store", stop: store.stop });
    const prisma = getPrisma(store.databaseUrl);
    running.push({ name: "store client", stop: () => prisma.$disconnect() });
    const secretKey = loadSecretKey(env.SLUICE_HOME, env.SLUICE_SECRET_KEY);

    let demo: DemoState | null = null;
    let demoMySql: DemoMySql | null = null;
    if (!env.SLUICE_NO_DEMO) {
      demo = await ensureDemo({ home: env.SLUICE_HOME, prisma, adminUrl: store.adminUrl, secretKey });
      demoMySql = await startDemoMySql({
        home: env.SLUICE_HOME,
        prisma,
        secretKey,
        upstreamPassword: demo.upstreamPassword,
        ...(env.SLUICE_DEMO_MARIADB_PORT ? { port: env.SLUICE_DEMO_MARIADB_PORT } : {}),
      });
      if (demoMySql.isRunning) running.push({ name: "demo MariaDB", stop: demoMySql.stop });
      else log(demoMySql.reason);
    }

    // One worker process per core (SLUICE_GATEWAY_WORKERS), all accepting on the gateway's port.
    const gateway = await startGatewayCluster({
      databaseUrl: store.databaseUrl,
      port: env.SLUICE_GATEWAY_PORT,
      httpPort: env.SLUICE_HTTP_PORT,
      mysqlPort: env.SLUICE_MYSQL_PORT,
      mcpPort: env.SLUICE_MCP_PORT,
      secretKey,
      home: env.SLUICE_HOME,
      isNativeKeyedHashAllowed: env.SLUICE_NATIVE_HASH === "on",
      isTlsEnabled: true,
      ...(env.SLUICE_GATEWAY_WORKERS ? { workers: env.SLUICE_GATEWAY_WORKERS } : {}),
      ...(env.SLUICE_MAX_STATEMENT_BYTES ? { maxStatementBytes: env.SLUICE_MAX_STATEMENT_BYTES } : {}),
      consoleUrl: `http://localhost:${env.SLUICE_CONSOLE_PORT}`,
      reviewWebhook:
        env.SLUICE_REVIEW_WEBHOOK_URL && env.SLUICE_REVIEW_WEBHOOK_SECRET
          ? { url: env.SLUICE_REVIEW_WEBHOOK_URL, secret: env.SLUICE_REVIEW_WEBHOOK_SECRET }
          : null,
      log,
    });
    running.push({ name: "gateway", stop: gateway.close });

    const consoleUrl = `http://localhost:${env.SLUICE_CONSOLE_PORT}`;
    const oidc = await startIdentityProvider(env, consoleUrl, demo);
    running.push({ name: "identity provider", stop: oidc.stop });
    // The demo's workload agent trusts the local provider as it runs now (its port may have moved).
    if (demo && !env.OIDC_ISSUER) await ensureDemoWorkloadAgent(prisma, oidc.issuer);
    const saml = await startSamlIdentityProvider(env, consoleUrl, demo);
    if (saml) running.push({ name: "SAML identity provider", stop: saml.stop });

    const console_ = await startConsole({
      repoRoot: env.repoRoot,
      port: env.SLUICE_CONSOLE_PORT,
      env: {
        DATABASE_URL: store.databaseUrl,
        SLUICE_SECRET_KEY: secretKey.toString("base64"),
        NEXTAUTH_URL: consoleUrl,
        NEXTAUTH_SECRET: deriveKey(secretKey, "console-session").toString("base64url"),
        OIDC_ISSUER: oidc.issuer,
        OIDC_CLIENT_ID: oidc.clientId,
        OIDC_CLIENT_SECRET: oidc.clientSecret,
        ...(env.OIDC_GROUPS_CLAIM ? { OIDC_GROUPS_CLAIM: env.OIDC_GROUPS_CLAIM } : {}),
        ...(saml?.consoleEnv ?? {}),
        SLUICE_GATEWAY_HOST: "localhost",
        SLUICE_GATEWAY_PORT: String(env.SLUICE_GATEWAY_PORT),
        SLUICE_GATEWAY_MYSQL_PORT: String(env.SLUICE_MYSQL_PORT),
        SLUICE_GATEWAY_HTTP_PORT: String(env.SLUICE_HTTP_PORT),
        ...(gateway.caFile ? { SLUICE_GATEWAY_CA_FILE: gateway.caFile } : {}),
      },
      log,
    });
    running.push({ name: "console", stop: console_.stop });
    void console_.exited.then((code) => {
      if (!isStopping) {
        log(`the console exited (${code}); stopping`);
        void stopAll(1);
      }
    });

    console.log(
      renderBanner({
        consoleUrl: console_.url,
        identityProvider: env.OIDC_ISSUER ? null : oidc.issuer,
        samlIdentityProvider: saml?.localMetadataUrl ?? null,
        gatewayPort: env.SLUICE_GATEWAY_PORT,
        mysqlPort: env.SLUICE_MYSQL_PORT,
        mcpPort: gateway.mcpPort,
        caFile: gateway.caFile,
        demo,
        demoConnection: DEMO_CONNECTION,
        demoMySqlConnection: demoMySql?.isRunning ? demoMySql.connection : null,
        demoAgent: DEMO_AGENT,
      }),
    );
  } catch (error) {
    console.error(`sluice: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(1);
  }
}
