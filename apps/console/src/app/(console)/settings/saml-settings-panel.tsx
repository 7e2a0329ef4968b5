"use client";

import type { Wire } from "@sluice/admin/api-contract";
import type { getSamlIdpConfig } from "@sluice/admin/saml-idp-config";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { CopyButton } from "@/client/copy-button";
import { queryKeys } from "@/client/query-keys";
import { useToast } from "@/client/toast";
import {
  buttonClass,
  Card,
  ErrorBanner,
  Field,
  FormError,
  inputClass,
  PageHeader,
  SubmitForm,
} from "@/client/ui";
import { useFieldErrors } from "@/client/use-field-errors";

type SamlIdpConfig = Wire<Awaited<ReturnType<typeof getSamlIdpConfig>>>;

/**
 * SAML sign-in set up from the console: the SP metadata URL to register at the IdP, and the IdP's
 * metadata pasted back, validated before it is stored (a bad paste would lock SAML users out).
 */
export function SamlSettingsPanel({
  spMetadataUrl,
  hasSpKey,
  environmentMetadataUrl,
}: {
  spMetadataUrl: string;
  hasSpKey: boolean;
  environmentMetadataUrl: string | null;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const config = useQuery({
    queryKey: queryKeys.samlIdp.all,
    queryFn: () => api<SamlIdpConfig>("/settings/saml-idp"),
  });
  const [metadataXml, setMetadataXml] = useState("");
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.samlIdp.all });
  const save = useMutation({
    mutationFn: () => api<SamlIdpConfig>("/settings/saml-idp", { method: "POST", body: { metadataXml } }),
    onSuccess: (saved) => {
      toast(`SAML identity provider ${saved.stored?.entityId ?? ""} saved`);
      setMetadataXml("");
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => api<void>("/settings/saml-idp", { method: "DELETE" }),
    onSuccess: () => {
      toast("Stored SAML identity provider removed");
      return refresh();
    },
  });
  const { errors, edited } = useFieldErrors(save.error);
  const stored = config.data?.stored ?? null;
  return (
    <>
      <PageHeader
        title="Sign-in settings"
        description="SAML single sign-on: register the console at your identity provider with its metadata URL, then paste the provider's metadata here."
      />
      <div className="space-y-6">
        <Card title="This console (service provider)">
          {hasSpKey ? (
            <div className="flex items-center gap-2">
              <code
                data-testid="sp-metadata-url"
                className="flex-1 rounded bg-slate-100 px-3 py-2 text-xs break-all"
              >
                {spMetadataUrl}
              </code>
              <CopyButton value={spMetadataUrl} what="SP metadata URL" />
            </div>
          ) : (
            <p className="text-sm text-amber-800" role="status">
              The console has no SAML signing key (SAML_SP_KEY_FILE and SAML_SP_CERT_FILE): SAML sign-in stays
              off until it has one, whatever is stored below.
            </p>
          )}
        </Card>
        <Card title="Identity provider">
          <ErrorBanner error={config.error ?? remove.error} />
          <div className="mb-4 text-sm" data-testid="saml-idp-current">
            {stored ? (
              <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1">
                <dt className="text-slate-500">Entity ID</dt>
                <dd className="font-mono text-xs break-all">{stored.entityId}</dd>
                <dt className="text-slate-500">Sign-in endpoint</dt>
                <dd className="font-mono text-xs break-all">{stored.ssoUrl}</dd>
                <dt className="text-slate-500">Signing certificates</dt>
                <dd>{stored.certificates}</dd>
                <dt className="text-slate-500">Saved</dt>
                <dd>
                  {new Date(stored.updatedAt).toLocaleString()} by {stored.updatedBy ?? "unknown"}
                </dd>
              </dl>
            ) : environmentMetadataUrl ? (
              <p>
                None stored: sign-in reads the metadata at{" "}
                <code className="break-all">{environmentMetadataUrl}</code> (SAML_IDP_METADATA_URL). Metadata
                saved here replaces it.
              </p>
            ) : (
              <p>None: SAML sign-in is off until the identity provider's metadata is saved here.</p>
            )}
          </div>
          <SubmitForm className="space-y-3" onSubmit={() => save.mutate()}>
            <Field
              id="saml-metadata"
              label="Identity provider metadata (XML)"
              error={errors.metadataXml}
              hint="One md:EntityDescriptor with an HTTP-Redirect sign-in endpoint and a signing certificate"
            >
              <textarea
                id="saml-metadata"
                className={`${inputClass} h-40 font-mono text-xs`}
                value={metadataXml}
                aria-invalid={Boolean(errors.metadataXml)}
                aria-describedby={errors.metadataXml ? "saml-metadata-error" : undefined}
                onChange={(event) => {
                  setMetadataXml(event.target.value);
                  edited("metadataXml");
                }}
              />
            </Field>
            <div className="flex gap-2">
              <button type="submit" className={buttonClass} disabled={save.isPending}>
                Save identity provider
              </button>
              {stored ? (
                <ConfirmButton
                  label="Remove"
                  accessibleName="Remove the stored identity provider"
                  title="Remove the stored SAML identity provider?"
                  impact={
                    environmentMetadataUrl
                      ? "SAML sign-in goes back to the metadata at SAML_IDP_METADATA_URL."
                      : "SAML sign-in stops until metadata is saved again; people signed in stay signed in."
                  }
                  confirmLabel="Remove identity provider"
                  onConfirm={() => remove.mutate()}
                />
              ) : null}
            </div>
            <FormError error={save.error} />
          </SubmitForm>
        </Card>
      </div>
    </>
  );
}
