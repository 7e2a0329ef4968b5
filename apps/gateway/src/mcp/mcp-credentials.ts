import { type AgentAuth, readCredentials } from "../http/agent-auth";

/** An agent the MCP endpoint acts for, and the password it presents on the gateway's own listener. */
export type McpAgent = {
  agentId: string;
  agentName: string;
  groups: readonly string[];
  /**
   * What the MCP server sends as the password when it connects to the Postgres listener as this
   * agent: the agent's own credential, so the listener authenticates it again exactly as it would
   * any client (a static token, or a workload JWT once that verifier is plugged in).
   */
  wirePassword: string;
};

export type McpCredentialCheck =
  | { ok: true; agent: McpAgent }
  | { ok: false; status: 401 | 429; message: string };

/**
 * One way of turning `Authorization` into an agent. Null means "not a credential of my kind", so the
 * next verifier is asked; a refusal ends the request. A workload-JWT verifier implements this too
 * (issue 18's workload identity) and is placed before the static one.
 */
export type McpCredentialVerifier = (
  authorization: string | undefined,
  address: string,
) => Promise<McpCredentialCheck | null>;

/** A JWT is three base64url parts; a static Sluice token never has dots. */
function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/** Static agent tokens (bearer, or basic AGENT:TOKEN), checked like the HTTP path checks them. */
export function staticTokenVerifier(auth: AgentAuth): McpCredentialVerifier {
  return async (authorization, address) => {
    const credentials = readCredentials(authorization);
    if (credentials && looksLikeJwt(credentials.token)) return null;
    const checked = await auth.authenticate(authorization, address);
    if (!checked.ok || !credentials) return checked.ok ? null : checked;
    const { agentId, agentName, groups } = checked.agent;
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
        "send the agent's credential as 'Authorization: Bearer TOKEN' (a Sluice agent token), or basic auth AGENT:TOKEN",
    };
  };
}
