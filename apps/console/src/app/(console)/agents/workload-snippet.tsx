"use client";

import type { WorkloadIdentityInput } from "@sluice/policy/workload-identity";
import { CopyButton } from "@/client/copy-button";
import { Card } from "@/client/ui";
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

/** On the agent's page: how it signs in with a workload token, ready to adapt and paste. */
export function WorkloadCard({
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
    <Card title="Connect with a workload token">
      <div data-testid="workload-snippet" className="grid gap-2 text-sm">
        <p className="text-slate-600">
          Signs in with tokens from <code>{identity.issuer}</code> whose sub is{" "}
          <code>{identity.subject}</code>
          {identity.groupsClaim ? (
            <>
              {" "}
              and takes groups from their <code>{identity.groupsClaim}</code> claim
            </>
          ) : null}
          : no static secret is needed.
        </p>
        <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-100 px-3 py-2 text-xs">
          <code>{code}</code>
        </pre>
        <div>
          <CopyButton value={code} what={`the workload token snippet of agent ${agentName}`} />
        </div>
      </div>
    </Card>
  );
}
