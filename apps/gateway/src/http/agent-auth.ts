import { createHash } from "node:crypto";
import { WORKLOAD_TOKEN_NOT_ACCEPTED } from "@sluice/agent-guidance/agent-guidance";
import { claimedIssuer, claimedSubject, isJwtShaped } from "@sluice/identity/workload-token";
import { tokenFingerprint } from "@sluice/secrets/agent-token";
import { checkAgentPassword } from "@sluice/session/agent-password";
import type { AgentRecord } from "@sluice/session/directory";
import type { RateLimiter } from "@sluice/session/rate-limiter";
import type { HttpDirectory } from "./http-directory";
import { AUTH_CACHE_ENTRIES, VERIFIED_TOKEN_MS } from "./http-limits";

export type AuthResult =
  | { ok: true; agent: AgentRecord }
  /** `message` is what the client reads; `reason`, when set, is precisely why, for admins only. */
  | { ok: false; status: 401 | 429; message: string; reason?: string };

/**
 * Agents authenticate each request with their token, as a bearer token or as basic auth
 * (`AGENT:TOKEN`, for clients that only take credentials in a URL). The token is checked against
 * every live credential's SCRAM verifier, like the Postgres path, or as a workload token (a signed
 * JWT) against the mapping of agents with a workload identity; a success is remembered for VERIFIED_TOKEN_MS
 * under the token's SHA-256 (never the token), so keep-alive calls do not pay PBKDF2 each time.
 */
export class AgentAuth {
  private readonly verified = new Map<string, { agent: AgentRecord; until: number }>();

  constructor(
    private readonly directory: HttpDirectory,
    private readonly failuresByAddress: RateLimiter,
  ) {}

  async authenticate(authorization: string | undefined, address: string): Promise<AuthResult> {
    const credentials = readCredentials(authorization);
    if (!credentials)
      return {
        ok: false,
        status: 401,
        message: "send the agent token as 'Authorization: Bearer TOKEN' (or basic auth AGENT:TOKEN)",
      };
    const retryMs = this.failuresByAddress.retryAfterMs(address);
    if (retryMs > 0)
      return {
        ok: false,
        status: 429,
        message: `too many failed logins; retry in ${Math.ceil(retryMs / 1000)} s`,
      };
    const cacheKey = createHash("sha256")
      .update(`${credentials.agentName ?? ""}\0${credentials.token}`)
      .digest("hex");
    const cached = this.verified.get(cacheKey);
    if (cached && cached.until > Date.now()) return { ok: true, agent: cached.agent };
    this.verified.delete(cacheKey);
    const verified = await this.verify(credentials);
    if ("reason" in verified) {
      this.failuresByAddress.recordFailure(address);
      // A JWT's refusal reads the same whatever is wrong with it: an unknown issuer, a wrong
      // audience and a bad signature told apart would tell a caller which issuers agents trust.
      const isWorkloadToken = isJwtShaped(credentials.token);
      return {
        ok: false,
        status: 401,
        message: `authentication failed: ${isWorkloadToken ? WORKLOAD_TOKEN_NOT_ACCEPTED : verified.reason}`,
        ...(isWorkloadToken ? { reason: verified.reason } : {}),
      };
    }
    this.failuresByAddress.recordSuccess(address);
    if (this.verified.size >= AUTH_CACHE_ENTRIES)
      this.verified.delete(this.verified.keys().next().value as string);
    // A workload token is never remembered past its own expiry.
    const until = Math.min(
      Date.now() + VERIFIED_TOKEN_MS,
      verified.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    this.verified.set(cacheKey, { agent: verified.agent, until });
    return { ok: true, agent: verified.agent };
  }

  /** A revoked credential (or an agent whose groups changed): its next call authenticates afresh. */
  forgetCredential(credentialId: string): void {
    for (const [key, entry] of this.verified)
      if (entry.agent.credentialId === credentialId) this.verified.delete(key);
  }

  /**
   * The agent, or why not. A static token's failure says only "unknown agent or token" (a guesser
   * learns nothing); a workload token's reason says what is wrong with the token (expired,
   * audience, signature...), for the refused attempt admins see, never for the client.
   */
  private async verify(credentials: {
    agentName: string | null;
    token: string;
  }): Promise<{ agent: AgentRecord; expiresAt: Date | null } | { reason: string }> {
    const issuer = claimedIssuer(credentials.token);
    const candidates = credentials.agentName
      ? [await this.directory.findAgent(credentials.agentName)].filter((agent) => agent !== null)
      : await this.bearerCandidates(credentials.token, issuer);
    const refusals: { agent: AgentRecord; reason: string }[] = [];
    const accepted: Extract<Awaited<ReturnType<typeof checkAgentPassword>>, { ok: true }>[] = [];
    for (const candidate of candidates) {
      const login = await checkAgentPassword(candidate, credentials.token, this.directory);
      if (login.ok && (credentials.agentName || issuer === null)) return login;
      if (login.ok) accepted.push(login);
      else refusals.push({ agent: candidate, reason: login.reason });
    }
    // A bearer JWT names no agent: it must map to exactly one, or it would act as whichever
    // agent happened to be found first (fail closed rather than guess).
    if (accepted.length > 1)
      return {
        reason: `workload token refused: ${accepted.length} agents accept it (same issuer, audience and subject); an admin must map it to exactly one`,
      };
    if (accepted[0]) return accepted[0];
    if (issuer === null) return { reason: "unknown agent or token" };
    if (refusals.length === 0)
      return {
        reason: credentials.agentName
          ? "unknown agent or token"
          : `workload token refused: no agent accepts tokens from issuer ${issuer}`,
      };
    return { reason: mostTellingRefusal(refusals, credentials.token) };
  }

  /** A bearer token names no agent: a Sluice token is found by fingerprint, a JWT by its issuer. */
  private async bearerCandidates(token: string, issuer: string | null): Promise<AgentRecord[]> {
    if (issuer !== null) return this.directory.findAgentsByWorkloadIssuer(issuer);
    return this.directory.findAgentsByFingerprint(tokenFingerprint(token));
  }
}

/**
 * Several agents may trust one issuer: the refusal that concerns the agent mapped to the token's
 * (unverified) subject says most, else the first (a wrong signature or expiry is the same for all).
 */
function mostTellingRefusal(
  refusals: readonly { agent: AgentRecord; reason: string }[],
  token: string,
): string {
  // An agent without a workload identity is not told apart from an unknown one.
  const workloads = refusals.filter((refusal) => refusal.agent.workload);
  const subject = claimedSubject(token);
  const mapped = workloads.find((refusal) => refusal.agent.workload?.subject === subject);
  return (mapped ?? workloads[0])?.reason ?? "unknown agent or token";
}

/** The agent and token an Authorization header carries (bearer: token only; basic: AGENT:TOKEN). */
export function readCredentials(
  header: string | undefined,
): { agentName: string | null; token: string } | null {
  if (!header) return null;
  const [scheme, value, ...rest] = header.trim().split(/\s+/);
  if (!scheme || !value || rest.length > 0) return null;
  if (scheme.toLowerCase() === "bearer") return { agentName: null, token: value };
  if (scheme.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { agentName: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}
