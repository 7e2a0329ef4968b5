import type { WorkloadIdentityInput } from "@sluice/policy/workload-identity";

/** The workload identity as the form edits it: text fields, claims one `name=value` per line. */
export type WorkloadDraft = {
  issuer: string;
  jwksUri: string;
  audience: string;
  subject: string;
  claims: string;
  groupsClaim: string;
};

export const EMPTY_WORKLOAD: WorkloadDraft = {
  issuer: "",
  jwksUri: "",
  audience: "",
  subject: "",
  claims: "",
  groupsClaim: "",
};

export function draftOf(identity: WorkloadIdentityInput | null | undefined): WorkloadDraft {
  if (!identity) return EMPTY_WORKLOAD;
  return {
    issuer: identity.issuer,
    jwksUri: identity.jwksUri ?? "",
    audience: identity.audience,
    subject: identity.subject,
    claims: Object.entries(identity.claims ?? {})
      .map(([name, value]) => `${name}=${value}`)
      .join("\n"),
    groupsClaim: identity.groupsClaim ?? "",
  };
}

export type DraftReading =
  | { ok: true; identity: WorkloadIdentityInput | null }
  /** Only the claims text can be unreadable here; every other field is the API's to judge. */
  | { ok: false; claimsError: string };

/**
 * What the API is sent: null when every field is empty (static tokens only), else every field as
 * typed, so the API's own messages name what is missing or wrong.
 */
export function readDraft(draft: WorkloadDraft): DraftReading {
  const isEmpty = Object.values(draft).every((value) => value.trim() === "");
  if (isEmpty) return { ok: true, identity: null };
  const claims: Record<string, string> = {};
  for (const [index, line] of draft.claims.split("\n").entries()) {
    if (line.trim() === "") continue;
    const equals = line.indexOf("=");
    if (equals <= 0)
      return {
        ok: false,
        claimsError: `line ${index + 1}: write claim=value, e.g. kubernetes.io/namespace=jobs`,
      };
    claims[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return {
    ok: true,
    identity: {
      issuer: draft.issuer.trim(),
      jwksUri: draft.jwksUri.trim() || null,
      audience: draft.audience,
      subject: draft.subject,
      claims,
      groupsClaim: draft.groupsClaim.trim() || null,
    },
  };
}
