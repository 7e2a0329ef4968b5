"use client";

import type { WorkloadIdentityInput } from "@sluice/policy/workload-identity";
import { CopyButton } from "@/client/copy-button";
import type { GatewayAddress } from "./connection-snippets";

/**
 * How an agent with a workload identity connects: fetch a token from its issuer (the client
 * credentials grant here; a cluster mounts one instead), then send it as the password. Nothing
 * secret is shown: the token is the workload's own, fetched where it runs.
 */
export function workloadSnippet(
  gateway: GatewayAddress,
  agentName: string,
  identity: WorkloadIdentityInput,
  connection: string,
): string {
  const tls = gateway.caFile ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(gateway.caFile)}` : "";
  const uri = `postgresql://${encodeURIComponent(agentName)}@${gateway.host}:${gateway.port}/${encodeURIComponent(connection)}${tls}`;
  return [
    `# 1. A token from ${identity.issuer} for audience ${identity.audience}, whose sub is ${identity.subject}`,
    "#    (client credentials below; in Kubernetes, read the projected service-account token instead)",
    `TOKEN_URL=$(curl -s ${identity.issuer}/.well-known/openid-configuration | jq -r .token_endpoint)`,
    `PGPASSWORD=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \\`,
    `  -d resource=${identity.audience} "$TOKEN_URL" | jq -r .access_token)`,
    "export PGPASSWORD",
    "# 2. The token is the password (sent whole, so over TLS); it ends the session when it expires",
    `psql "${uri}"`,
    "# HTTP and MCP take the same token as 'Authorization: Bearer $PGPASSWORD'",
  ].join("\n");
}

export function WorkloadSnippet({
  gateway,
  agentName,
  identity,
  connections,
}: {
  gateway: GatewayAddress;
  agentName: string;
  identity: WorkloadIdentityInput;
  connections: readonly string[];
}) {
  const code = workloadSnippet(gateway, agentName, identity, connections[0] ?? "<connection>");
  return (
    <details className="mt-1 text-xs" data-testid="workload-snippet">
      <summary className="cursor-pointer text-sky-800">Connect with a workload token</summary>
      <p className="mt-1 text-slate-600">
        Signs in with tokens from <code>{identity.issuer}</code> whose sub is <code>{identity.subject}</code>:
        no static secret is needed.
      </p>
      <pre className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-slate-100">
        <code>{code}</code>
      </pre>
      <CopyButton value={code} what={`the workload token snippet of agent ${agentName}`} />
    </details>
  );
}
