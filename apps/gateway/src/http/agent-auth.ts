import { createHash, timingSafeEqual } from "node:crypto";
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

/** A verified token's agent, until when it is reused, and whether a revocation has dropped it. */
type Verified = { agent: AgentRecord; until: number; isForgotten: boolean };

/**
 * Agents authenticate each request with their token, as a bearer token or as basic auth
 * (`AGENT:TOKEN`, for clients that only take credentials in a URL). The token is checked against
 * every live credential's SCRAM verifier, like the Postgres path, or as a workload token (a signed
 * JWT) against the mapping of agents with a workload identity; a success is remembered for VERIFIED_TOKEN_MS
 * under the token's SHA-256 (never the token), so keep-alive calls do not pay PBKDF2 each time.
 * Each client socket also keeps the Authorization header its last call was verified with and that
 * verification: a keep-alive call sending the same header again (compared in constant time) is
 * not parsed or hashed again. Both caches hold one entry object, which `forgetCredential` marks, so
 * a revocation the watcher hears of reaches the sockets' copies too.
 */
export class AgentAuth {
  private readonly verified = new Map<string, Verified>();
  private readonly bySocket = new WeakMap<object, { header: Buffer; entry: Verified }>();

  constructor(
    private readonly directory: HttpDirectory,
    private readonly failuresByAddress: RateLimiter,
  ) {}

  /** `socket`: the client connection the call came on, whose last verification may be reused. */
  async authenticate(
    authorization: string | undefined,
    address: string,
    socket: object | null = null,
  ): Promise<AuthResult> {
    const last = socket && authorization ? this.bySocket.get(socket) : undefined;
    if (last && isSameHeader(last.header, authorization as string)) {
      if (!last.entry.isForgotten && last.entry.until > Date.now()) {
        // The same header parses to the same credentials: only the address's limit is left to check.
        const retryMs = this.failuresByAddress.retryAfterMs(address);
        if (retryMs <= 0) return { ok: true, agent: last.entry.agent };
      }
    }
    const result = await this.authenticateHeader(authorization, address);
    if (socket && authorization && result.ok)
      this.bySocket.set(socket, { header: Buffer.from(authorization), entry: result.entry });
    return result.ok ? { ok: true, agent: result.agent } : result;
  }

  private async authenticateHeader(
    authorization: string | undefined,
    address: string,
  ): Promise<Extract<AuthResult, { ok: false }> | { ok: true; agent: AgentRecord; entry: Verified }> {
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
    if (cached && cached.until > Date.now()) return { ok: true, agent: cached.agent, entry: cached };
    this.forget(cacheKey);
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
    if (this.verified.size >= AUTH_CACHE_ENTRIES) this.forget(this.verified.keys().next().value as string);
    // A workload token is never remembered past its own expiry.
    const until = Math.min(
      Date.now() + VERIFIED_TOKEN_MS,
      verified.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    const entry = { agent: verified.agent, until, isForgotten: false };
    this.verified.set(cacheKey, entry);
    return { ok: true, agent: verified.agent, entry };
  }

  /** A revoked credential (or an agent whose groups changed): its next call authenticates afresh. */
  forgetCredential(credentialId: string): void {
    for (const [key, entry] of this.verified) if (entry.agent.credentialId === credentialId) this.forget(key);
  }

  /** Drops a verification from the shared cache and from every socket that kept it. */
  private forget(cacheKey: string): void {
    const entry = this.verified.get(cacheKey);
    if (!entry) return;
    entry.isForgotten = true;
    this.verified.delete(cacheKey);
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

/** Whether a header is the one kept, in time that does not depend on where they differ. */
function isSameHeader(kept: Buffer, header: string): boolean {
  const bytes = Buffer.from(header);
  return bytes.length === kept.length && timingSafeEqual(bytes, kept);
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
