import { z } from "zod";

const MAX_FIELD = 500;

/** Keys over plain http could be swapped on the way, so only https is trusted (http only to this machine). */
function isTrustedKeyUrl(text: string): boolean {
  // Zod runs this even after the URL check failed: that check's message is the one to show.
  if (!URL.canParse(text)) return true;
  const url = new URL(text);
  if (url.protocol === "https:") return true;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return (
    url.protocol === "http:" && (host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host))
  );
}

const ZKeyUrl = z
  .url("an absolute URL, e.g. https://issuer.example.com")
  .max(MAX_FIELD, `at most ${MAX_FIELD} characters`)
  .refine(isTrustedKeyUrl, "must be https (http only for localhost)");

/** A required text the token must carry, with a message that says which. */
const requiredText = (what: string) =>
  z
    .string(`required: ${what}`)
    .trim()
    .min(1, `required: ${what}`)
    .max(MAX_FIELD, `at most ${MAX_FIELD} characters`);

/**
 * An agent's workload identity, the same in the API, the console and the policy YAML: the agent may
 * sign in with a short-lived JWT from `issuer` for `audience` whose `sub` is `subject` and whose
 * `claims` hold these values; `groupsClaim` names the claim whose groups the session gains.
 */
export const ZWorkloadIdentity = z
  .object({
    issuer: ZKeyUrl.describe(
      "the token's iss, exactly; its discovery document gives the keys unless jwksUri is set",
    ),
    jwksUri: ZKeyUrl.nullable()
      .optional()
      .describe("where the issuer's keys are (e.g. a Kubernetes cluster's JWKS)"),
    audience: requiredText("a value the token's aud holds").describe("a value the token's aud must hold"),
    subject: requiredText("the token's sub, exactly").describe("the token's sub, exactly"),
    claims: z
      .record(z.string(), z.string().max(MAX_FIELD, `at most ${MAX_FIELD} characters`))
      // Checked on the whole map: a record's key issue would name a path no form field has.
      .refine(
        (claims) => Object.keys(claims).every((name) => name.length > 0 && name.length <= MAX_FIELD),
        `a claim needs a name of at most ${MAX_FIELD} characters`,
      )
      .default({})
      .describe('further claims and their required values; nested with "/", e.g. "kubernetes.io/namespace"'),
    groupsClaim: z
      .string()
      .trim()
      .min(1, "a claim name, or nothing")
      .max(MAX_FIELD, `at most ${MAX_FIELD} characters`)
      .nullable()
      .optional()
      .describe("claim with group names"),
  })
  .strict();

export type WorkloadIdentityInput = z.infer<typeof ZWorkloadIdentity>;

/** The store's columns for an identity (all null: none). */
export function workloadColumns(identity: WorkloadIdentityInput | null | undefined) {
  return {
    workloadIssuer: identity?.issuer ?? null,
    workloadJwksUri: identity?.jwksUri ?? null,
    workloadAudience: identity?.audience ?? null,
    workloadSubject: identity?.subject ?? null,
    // An empty object rather than null: a JSON column's null needs the store client's own marker.
    workloadClaims: identity ? identity.claims : {},
    workloadGroupsClaim: identity?.groupsClaim ?? null,
  };
}

type WorkloadColumns = {
  workloadIssuer: string | null;
  workloadJwksUri: string | null;
  workloadAudience: string | null;
  workloadSubject: string | null;
  workloadClaims: unknown;
  workloadGroupsClaim: string | null;
};

/** The identity the columns hold, as the API and the YAML export show it; null when none. */
export function workloadIdentityFromColumns(row: WorkloadColumns): WorkloadIdentityInput | null {
  if (!row.workloadIssuer || !row.workloadAudience || !row.workloadSubject) return null;
  const claims = z.record(z.string(), z.string()).safeParse(row.workloadClaims ?? {});
  return {
    issuer: row.workloadIssuer,
    ...(row.workloadJwksUri ? { jwksUri: row.workloadJwksUri } : {}),
    audience: row.workloadAudience,
    subject: row.workloadSubject,
    claims: claims.success ? claims.data : {},
    ...(row.workloadGroupsClaim ? { groupsClaim: row.workloadGroupsClaim } : {}),
  };
}

/**
 * Whether one token could satisfy both mappings. Only the issuer and the subject keep two mappings
 * apart: a token's `aud` may list several audiences and its claims may be lists, and a list claim
 * matches every value it holds, so a token for `{aud: [a, b], team: [x, y]}` passes a mapping for
 * audience a and team x as well as one for audience b and team y.
 */
export function workloadIdentitiesOverlap(
  a: Pick<WorkloadIdentityInput, "issuer" | "subject">,
  b: Pick<WorkloadIdentityInput, "issuer" | "subject">,
): boolean {
  return a.issuer === b.issuer && a.subject === b.subject;
}

/** The field message beside the subject when another enabled agent already accepts such tokens. */
export function workloadOverlapMessage(otherAgentName: string): string {
  return `agent ${otherAgentName} already accepts tokens from this issuer with this subject; a token could sign in as either (aud and claims may be lists, so they do not tell them apart): use a distinct subject or disable ${otherAgentName}`;
}
