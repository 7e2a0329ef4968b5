import { type AgentAuth, readCredentials } from "../http/agent-auth";

/** An agent the MCP endpoint acts for, and the password it presents on the gateway's own listener. */
export type McpAgent = {
  agentId: string;
  agentName: string;
  groups: readonly string[];
  /**
   * What the MCP server sends as the password when it connects to the Postgres listener as this
   * agent: the agent's own credential, so the listener authenticates it again exactly as it would
   * any client (a static token, or the workload JWT the agent presented).
   */
  wirePassword: string;
};

export type McpCredentialCheck =
  | { ok: true; agent: McpAgent }
  /** `reason`, when set, is precisely why, for the refused attempt admins see (never the client). */
  | { ok: false; status: 401 | 429; message: string; reason?: string };

/**
 * One way of turning `Authorization` into an agent. Null means "not a credential of my kind", so the
 * next verifier is asked; a refusal ends the request. The agent's own credential (static token or
 * workload JWT) is the last one asked; other kinds of credential plug in before it.
 */
export type McpCredentialVerifier = (
  authorization: string | undefined,
  address: string,
) => Promise<McpCredentialCheck | null>;

/**
 * The agent's own credential, checked as the HTTP path checks it: a static Sluice token (bearer, or
 * basic AGENT:TOKEN), or a workload token (a JWT from an issuer an agent's mapping trusts, as bearer
 * or basic AGENT:JWT). A refused workload token's 401 reads the same whatever is wrong with it; the
 * reason (expired, audience, signature...) goes to the refused attempt admins see.
 */
export function agentCredentialVerifier(auth: AgentAuth): McpCredentialVerifier {
  return async (authorization, address) => {
    const credentials = readCredentials(authorization);
    const checked = await auth.authenticate(authorization, address);
    if (!checked.ok || !credentials) return checked.ok ? null : checked;
    const { agentId, agentName, groups } = checked.agent;
    // The listener verifies the same token again (and ends the call's session when a JWT expires).
    return { ok: true, agent: { agentId, agentName, groups, wirePassword: credentials.token } };
  };
}

/** Asks each verifier in turn; none taking the credential is a 401 that says what to send. */
export function firstAccepting(
  verifiers: readonly McpCredentialVerifier[],
): (authorization: string | undefined, address: string) => Promise<McpCredentialCheck> {
  return async (authorization, address) => {
    for (const verify of verifiers) {
      const checked = await verify(authorization, address);
      if (checked) return checked;
    }
    return {
      ok: false,
      status: 401,
      message:
        "send the agent's credential as 'Authorization: Bearer TOKEN' (a Sluice agent token or a workload JWT), or basic auth AGENT:TOKEN",
    };
  };
}
