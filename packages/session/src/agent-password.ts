import { isJwtShaped } from "@sluice/identity/workload-token";
import { isAgentTokenShaped } from "@sluice/secrets/agent-token";
import { isTokenOfVerifier } from "@sluice/secrets/token-check";
import { type AgentRecord, type Directory, WORKLOAD_CREDENTIAL } from "./directory";

export type PasswordLogin =
  /** `agent` carries the credential that matched and, for a workload token, the token's groups. */
  | { ok: true; agent: AgentRecord; expiresAt: Date | null }
  /**
   * `reason` is for the gateway's log and the refused attempt admins see; the client is told only
   * that authentication failed (for a workload token, in the same words whatever the reason).
   */
  | { ok: false; reason: string; isWorkloadToken: boolean };

/**
 * Checks a password presented whole (Postgres cleartext, MySQL clear password, HTTP bearer/basic):
 * a Sluice token against every live credential of the agent (several may be live at once: a
 * rotation's grace window, tokens issued side by side), anything else as a workload token when the
 * agent has a workload identity.
 */
export async function checkAgentPassword(
  agent: AgentRecord,
  password: string,
  directory: Pick<Directory, "verifyWorkloadToken">,
): Promise<PasswordLogin> {
  if (password === "") return { ok: false, reason: "empty password", isWorkloadToken: false };
  if (isAgentTokenShaped(password)) return checkStaticToken(agent, password);
  const refuse = (reason: string): PasswordLogin => ({
    ok: false,
    reason,
    isWorkloadToken: isJwtShaped(password),
  });
  if (!agent.workload) return refuse("not a Sluice token, and the agent has no workload identity");
  if (!directory.verifyWorkloadToken) return refuse("workload tokens are not accepted here");
  const checked = await directory.verifyWorkloadToken(password, agent.workload);
  if (!checked.ok) return refuse(`workload token refused: ${checked.reason}`);
  const groups = [...new Set([...agent.groups, ...checked.groups])];
  return {
    ok: true,
    agent: {
      ...agent,
      credentialId: WORKLOAD_CREDENTIAL,
      groups,
      tokenGroups: checked.groups,
      tokenExpiresAt: checked.expiresAt,
      otherCredentials: [],
    },
    expiresAt: checked.expiresAt,
  };
}

async function checkStaticToken(agent: AgentRecord, token: string): Promise<PasswordLogin> {
  const live = [
    ...(agent.scramVerifier
      ? [{ credentialId: agent.credentialId, scramVerifier: agent.scramVerifier }]
      : []),
    ...(agent.otherCredentials ?? []),
  ];
  // Every credential is checked, so the time taken does not tell which one matched.
  const matches = await Promise.all(
    live.map((credential) => isTokenOfVerifier(token, credential.scramVerifier).catch(() => false)),
  );
  const matched = live[matches.indexOf(true)];
  if (!matched)
    return {
      ok: false,
      reason: "token matches none of the agent's live credentials",
      isWorkloadToken: false,
    };
  return { ok: true, agent: { ...agent, credentialId: matched.credentialId }, expiresAt: null };
}
