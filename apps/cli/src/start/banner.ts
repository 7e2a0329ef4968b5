import {
  DEMO_WORKLOAD_AGENT,
  DEMO_WORKLOAD_AUDIENCE,
  DEMO_WORKLOAD_CLIENT,
} from "@sluice/db/demo/demo-workload";
import type { DemoState } from "./demo";

export type BannerOptions = {
  consoleUrl: string;
  /** The local OpenID provider's issuer; null when an external IdP signs people in. */
  identityProvider: string | null;
  /** The local SAML IdP's metadata URL; null or absent when it is not running. */
  samlIdentityProvider?: string | null;
  gatewayPort: number;
  /** The MySQL listener's port; null or absent when it is not running. */
  mysqlPort?: number | null;
  /** The MCP endpoint's port; null or absent when it is not running. */
  mcpPort?: number | null;
  caFile: string | null;
  demo: DemoState | null;
  demoConnection: string;
  /** The demo's MySQL connection; null or absent when the demo has no MariaDB. */
  demoMySqlConnection?: string | null;
  demoAgent: string;
};

/** What a new user needs after `start`: where the console is, who can sign in, how an agent connects. */
export function renderBanner(options: BannerOptions): string {
  const lines = ["", "Sluice is running.", "", `  Console:  ${options.consoleUrl}`];
  lines.push(`  Gateway:  postgresql://<agent>:<token>@localhost:${options.gatewayPort}/<connection>`);
  if (options.mysqlPort) {
    lines.push(
      `  MySQL:    mysql://<agent>:<token>@localhost:${options.mysqlPort}/<connection>   (TLS required)`,
    );
  }
  if (options.mcpPort) {
    lines.push(
      `  MCP:      https://localhost:${options.mcpPort}/mcp   (Authorization: Bearer <agent token>)`,
    );
  }
  lines.push("  CLI:      pnpm exec sluice login   (then sluice connections, agents, api; --json for jq)");
  if (options.demo) {
    if (options.identityProvider) {
      lines.push(
        "",
        `  Demo console users (the console signs in through the local OpenID provider ${options.identityProvider}):`,
      );
      for (const user of options.demo.users) {
        lines.push(
          `    ${user.email.padEnd(24)} password ${user.password}   groups ${user.groups.join(", ")}`,
        );
      }
    }
    if (options.samlIdentityProvider) {
      lines.push(
        `  The same users sign in with SAML through the local SAML IdP ${options.samlIdentityProvider}.`,
      );
    }
    const on = options.demoMySqlConnection
      ? `${options.demoConnection} and ${options.demoMySqlConnection}`
      : options.demoConnection;
    lines.push("", `  Demo agent connection strings (${options.demoAgent} on ${on}):`);
    if (options.demo.agentToken) {
      const tls = options.caFile ? `?sslmode=verify-full&sslrootcert=${options.caFile}` : "";
      lines.push(
        `    psql "postgresql://${options.demoAgent}:${options.demo.agentToken}@localhost:${options.gatewayPort}/${options.demoConnection}${tls}"`,
      );
      if (options.demoMySqlConnection && options.mysqlPort) {
        // The same verified TLS as the console's mysql snippet: the gateway's CA and its name.
        const tls = options.caFile ? `--ssl-ca=${options.caFile} --ssl-verify-server-cert` : "--ssl";
        lines.push(
          `    mariadb -h localhost -P ${options.mysqlPort} -u ${options.demoAgent} -p${options.demo.agentToken} ${tls} ${options.demoMySqlConnection}`,
        );
      }
    } else {
      lines.push("    (token not on disk any more: issue a new one for the agent in the console)");
    }
    if (options.identityProvider && options.demo.workloadClientSecret) {
      lines.push(...workloadLines(options, options.identityProvider, options.demo.workloadClientSecret));
    }
  }
  lines.push("", "  Ctrl-C stops everything.", "");
  return lines.join("\n");
}

/** How the demo's workload agent connects: a token from the local provider is its only secret. */
function workloadLines(options: BannerOptions, issuer: string, clientSecret: string): string[] {
  const tls = options.caFile ? `?sslmode=verify-full&sslrootcert=${options.caFile}` : "";
  return [
    "",
    `  Demo workload agent (${DEMO_WORKLOAD_AGENT}: no static secret; a token lasts 5 min, its session ends then):`,
    `    export PGPASSWORD=$(curl -s -u ${DEMO_WORKLOAD_CLIENT}:${clientSecret} -d grant_type=client_credentials \\`,
    `      -d resource=${DEMO_WORKLOAD_AUDIENCE} ${issuer}/token | jq -r .access_token)`,
    `    psql "postgresql://${DEMO_WORKLOAD_AGENT}@localhost:${options.gatewayPort}/${options.demoConnection}${tls}"`,
  ];
}
