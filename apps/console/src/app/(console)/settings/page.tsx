import { queryKeys } from "@/client/query-keys";
import { env } from "@/server/env";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { serviceProvider } from "@/server/saml";
import { PageSkeleton } from "../page-skeleton";
import { SamlSettingsPanel } from "./saml-settings-panel";

export const metadata = { title: "Sign-in settings · Sluice" };

export default async function SettingsPage() {
  const actor = await requirePage("users:read");
  const config = env();
  return (
    <PrefetchedData
      actor={actor}
      queries={[{ key: queryKeys.samlIdp.all, path: "/settings/saml-idp" }]}
      fallback={<PageSkeleton title="Sign-in settings" what="sign-in settings" />}
    >
      <SamlSettingsPanel
        spMetadataUrl={`${config.origin}/api/saml/metadata`}
        hasSpKey={serviceProvider() !== null}
        environmentMetadataUrl={config.SAML_IDP_METADATA_URL ?? null}
      />
    </PrefetchedData>
  );
}
