import { issueCredential, revokeCredential, ZIssueCredentialInput } from "@sluice/admin/agent-credentials";
import { deleteConnection } from "@sluice/admin/delete-connection";
import { getAgent, listAgentGroups, listAgents } from "@sluice/admin/list-agents";
import { getConnection, listConnections } from "@sluice/admin/list-connections";
import { deleteAgent, saveAgent, ZAgentInput, ZAgentPatch } from "@sluice/admin/save-agent";
import { saveConnection, ZConnectionInput, ZConnectionPatch } from "@sluice/admin/save-connection";
import { testConnection } from "@sluice/admin/test-connection";
import { type ApiRoute, id } from "../route-table";

/** Upstream connections and the agents that reach them, with their credentials. */
export const CONNECTION_ROUTES: ApiRoute[] = [
  {
    method: "GET",
    path: "/connections",
    summary: "List connections",
    tag: "connections",
    permission: "policy:read",
    run: (context) => listConnections(context),
  },
  {
    method: "POST",
    path: "/connections",
    summary: "Create a connection",
    tag: "connections",
    permission: "policy:write",
    body: ZConnectionInput,
    status: 201,
    run: (context, input) => saveConnection(context, { input: input.body }),
  },
  {
    method: "GET",
    path: "/connections/{id}",
    summary: "Get a connection",
    tag: "connections",
    permission: "policy:read",
    run: (context, input) => getConnection(context, id(input)),
  },
  {
    method: "PATCH",
    path: "/connections/{id}",
    summary: "Update a connection: only the fields named change (an empty password keeps the stored one)",
    tag: "connections",
    permission: "policy:write",
    body: ZConnectionPatch,
    run: (context, input) => saveConnection(context, { ...id(input), input: input.body }),
  },
  {
    method: "DELETE",
    path: "/connections/{id}",
    summary: "Delete a connection that has no recorded sessions",
    tag: "connections",
    permission: "policy:write",
    status: 204,
    run: (context, input) => deleteConnection(context, id(input)),
  },
  {
    method: "POST",
    path: "/connections/{id}/test",
    summary: "Check the upstream answers and the brokered credentials log in",
    tag: "connections",
    permission: "policy:write",
    run: (context, input) => testConnection(context, id(input)),
  },
  {
    method: "GET",
    path: "/agents",
    summary: "List agents",
    tag: "agents",
    permission: "policy:read",
    run: (context) => listAgents(context),
  },
  {
    method: "POST",
    path: "/agents",
    summary: "Create an agent",
    tag: "agents",
    permission: "policy:write",
    body: ZAgentInput,
    status: 201,
    run: (context, input) => saveAgent(context, { input: input.body }),
  },
  {
    method: "GET",
    path: "/agents/{id}",
    summary: "Get an agent",
    tag: "agents",
    permission: "policy:read",
    run: (context, input) => getAgent(context, id(input)),
  },
  {
    method: "PATCH",
    path: "/agents/{id}",
    summary: "Update an agent (groups, description, disabled)",
    tag: "agents",
    permission: "policy:write",
    body: ZAgentPatch,
    run: (context, input) => saveAgent(context, { ...id(input), input: input.body }),
  },
  {
    method: "DELETE",
    path: "/agents/{id}",
    summary: "Delete an agent that never connected",
    tag: "agents",
    permission: "policy:write",
    status: 204,
    run: (context, input) => deleteAgent(context, id(input)),
  },
  {
    method: "POST",
    path: "/agents/{id}/credentials",
    summary: "Issue (or rotate) a token; returned once",
    tag: "agents",
    permission: "policy:write",
    body: ZIssueCredentialInput,
    status: 201,
    run: (context, input) => issueCredential(context, { agentId: input.params.id ?? "", input: input.body }),
  },
  {
    method: "DELETE",
    path: "/agents/{id}/credentials/{credentialId}",
    summary: "Revoke a credential",
    tag: "agents",
    permission: "policy:write",
    status: 204,
    run: (context, input) =>
      revokeCredential(context, {
        agentId: input.params.id ?? "",
        credentialId: input.params.credentialId ?? "",
      }),
  },
  {
    method: "GET",
    path: "/agent-groups",
    summary: "List agent groups",
    tag: "agents",
    permission: "policy:read",
    run: (context) => listAgentGroups(context),
  },
];
