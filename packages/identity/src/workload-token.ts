import { decodeJwt, errors, type JWTPayload, jwtVerify } from "jose";
import { JwksCache } from "./jwks-cache";

/**
 * What an agent's workload identity accepts: tokens from this issuer, for this audience, whose
 * `sub` is this subject and whose other claims hold these values.
 */
export type WorkloadIdentityConfig = {
  issuer: string;
  /** Null: the keys are found through the issuer's discovery document. */
  jwksUri: string | null;
  audience: string;
  subject: string;
  /** Claim path (`/`-separated for nested claims, e.g. `kubernetes.io/namespace`) → required value. */
  claims: Readonly<Record<string, string>>;
  /** Claim holding group names the session gains (a string array or one string); null: none. */
  groupsClaim: string | null;
};

export type WorkloadTokenResult =
  | { ok: true; subject: string; groups: string[]; expiresAt: Date }
  /** `reason` is for the gateway's log, never the token itself. */
  | { ok: false; reason: string };

/** Tolerated clock difference between the issuer and the gateway. */
export const CLOCK_SKEW_SECONDS = 30;
/** Workload tokens are short-lived; one valid for longer than this is refused whatever its issuer says. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;
/**
 * Asymmetric signatures only: an HMAC token would be verified with a shared secret the gateway does
 * not have, and `none` is no signature at all.
 */
export const ACCEPTED_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "EdDSA",
];

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether a password has the shape of a compact JWT (not whether it is one). */
export function isJwtShaped(text: string): boolean {
  return text.startsWith("ey") && JWT_SHAPE.test(text);
}

export type WorkloadTokenVerifierOptions = {
  keys?: JwksCache;
  now?: () => number;
  clockSkewSeconds?: number;
  log?: (line: string) => void;
};

/**
 * Verifies workload tokens (an IdP's client-credentials access token, a Kubernetes service-account
 * token) against the issuer's published keys and an agent's configured mapping.
 */
export function createWorkloadTokenVerifier(options: WorkloadTokenVerifierOptions = {}) {
  const keys = options.keys ?? new JwksCache(options.log ? { log: options.log } : {});
  const now = options.now ?? Date.now;
  const skew = options.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;

  return async function verifyWorkloadToken(
    token: string,
    config: WorkloadIdentityConfig,
  ): Promise<WorkloadTokenResult> {
    if (!isJwtShaped(token)) return { ok: false, reason: "not a signed JWT" };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.keyResolver(config), {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: skew,
        currentDate: new Date(now()),
        requiredClaims: ["exp", "sub"],
      }));
    } catch (error) {
      return { ok: false, reason: rejectionReason(error) };
    }
    const nowSeconds = Math.floor(now() / 1000);
    const exp = payload.exp as number;
    if (exp - nowSeconds > MAX_TOKEN_LIFETIME_SECONDS + skew) {
      return { ok: false, reason: `token valid for more than ${MAX_TOKEN_LIFETIME_SECONDS} s` };
    }
    if (typeof payload.iat === "number" && payload.iat > nowSeconds + skew) {
      return { ok: false, reason: "token issued in the future" };
    }
    if (payload.sub !== config.subject) return { ok: false, reason: "subject does not match the agent's" };
    for (const [path, expected] of Object.entries(config.claims)) {
      if (!claimHolds(readClaim(payload, path), expected)) {
        return { ok: false, reason: `claim ${path} does not match the agent's mapping` };
      }
    }
    const groups = readGroups(payload, config.groupsClaim);
    if (!groups) return { ok: false, reason: `claim ${config.groupsClaim} is not a list of group names` };
    return { ok: true, subject: payload.sub, groups, expiresAt: new Date(exp * 1000) };
  };
}

export type VerifyWorkloadToken = ReturnType<typeof createWorkloadTokenVerifier>;

/** `a/b` reads payload.a.b; a claim name with a slash in it cannot be named (none of the usual ones has one). */
export function readClaim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split("/")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A string claim must equal the value; a list claim must contain it. Anything else never matches. */
function claimHolds(value: unknown, expected: string): boolean {
  if (typeof value === "string") return value === expected;
  if (Array.isArray(value)) return value.some((item) => item === expected);
  return false;
}

/** [] without a groups claim configured or present; null when it holds something other than names. */
function readGroups(payload: JWTPayload, claim: string | null): string[] | null {
  if (!claim) return [];
  const value = readClaim(payload, claim);
  if (value === undefined) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return [...value];
  return null;
}

function rejectionReason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "token expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss" && error.reason === "check_failed")
      return "claim iss: the token's issuer is not the one the agent trusts";
    if (error.claim === "aud" && error.reason === "check_failed")
      return "claim aud: the token is not meant for the audience the agent's mapping names";
    return `claim ${error.claim} ${error.reason}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "signature algorithm not accepted";
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the issuer matches the token";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature does not verify";
  if (error instanceof errors.JOSEError) return `invalid token (${error.code})`;
  return "invalid token";
}

/**
 * The `iss` a token claims, unverified: only to pick which agents' mappings to verify it against
 * (a bearer token names no agent). Null when it is not a readable JWT.
 */
export function claimedIssuer(token: string): string | null {
  if (!isJwtShaped(token)) return null;
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === "string" ? iss : null;
  } catch {
    return null;
  }
}

/** The `sub` a token claims, unverified: only to tell which agent's refusal concerns it. */
export function claimedSubject(token: string): string | null {
  if (!isJwtShaped(token)) return null;
  try {
    const { sub } = decodeJwt(token);
    return typeof sub === "string" ? sub : null;
  } catch {
    return null;
  }
}
