"use client";

import { Field, inputClass, TextField } from "@/client/ui";
import type { WorkloadDraft } from "./workload-draft";

const PREFIX = "workloadIdentity";

/**
 * The agent's workload identity: which issuer's short-lived tokens (JWTs) it may sign in with, and
 * what their claims must say. Each field shows the API's message for it (`workloadIdentity.x`).
 */
export function WorkloadFields({
  draft,
  errors,
  claimsError,
  onChange,
}: {
  draft: WorkloadDraft;
  errors: Record<string, string>;
  /** The claims text could not be read (before anything was sent). */
  claimsError: string | null;
  onChange: (field: keyof WorkloadDraft, value: string) => void;
}) {
  const claimsProblem =
    claimsError ?? Object.entries(errors).find(([key]) => key.startsWith(`${PREFIX}.claims`))?.[1];
  return (
    <fieldset className="grid grid-cols-1 gap-4 rounded-md border border-slate-200 p-3 md:col-span-3 md:grid-cols-3">
      <legend className="px-1 text-sm font-medium text-slate-700">Workload identity (optional)</legend>
      <p className="text-xs text-slate-600 md:col-span-3">
        Lets the agent sign in with a short-lived token from your identity provider or cluster instead of a
        static Sluice token. Leave every field empty for static tokens only.
      </p>
      <TextField
        id="agent-workload-issuer"
        label="Token issuer"
        error={errors[`${PREFIX}.issuer`] ?? errors[PREFIX]}
        hint="The token's iss, exactly (https; http only for localhost)"
        value={draft.issuer}
        onChange={(value) => onChange("issuer", value)}
      />
      <TextField
        id="agent-workload-audience"
        label="Token audience"
        error={errors[`${PREFIX}.audience`]}
        hint="A value the token's aud holds, e.g. urn:sluice:gateway"
        value={draft.audience}
        onChange={(value) => onChange("audience", value)}
      />
      <TextField
        id="agent-workload-subject"
        label="Token subject (sub)"
        error={errors[`${PREFIX}.subject`]}
        hint="The token's sub, e.g. system:serviceaccount:jobs:reporter"
        value={draft.subject}
        onChange={(value) => onChange("subject", value)}
      />
      <Field
        id="agent-workload-claims"
        label="Required claims"
        error={claimsProblem}
        hint="One claim=value per line; nested with /, e.g. kubernetes.io/namespace=jobs"
      >
        <textarea
          id="agent-workload-claims"
          className={inputClass}
          rows={2}
          value={draft.claims}
          aria-invalid={Boolean(claimsProblem)}
          aria-describedby={claimsProblem ? "agent-workload-claims-error" : undefined}
          onChange={(event) => onChange("claims", event.target.value)}
        />
      </Field>
      <TextField
        id="agent-workload-groups-claim"
        label="Group claim"
        error={errors[`${PREFIX}.groupsClaim`]}
        hint="Claim whose group names the session gains, e.g. groups (optional)"
        value={draft.groupsClaim}
        onChange={(value) => onChange("groupsClaim", value)}
      />
      <TextField
        id="agent-workload-jwks"
        label="Key set URL (JWKS)"
        error={errors[`${PREFIX}.jwksUri`]}
        hint="Only when the issuer has no discovery document (e.g. a Kubernetes cluster)"
        value={draft.jwksUri}
        onChange={(value) => onChange("jwksUri", value)}
      />
    </fieldset>
  );
}
