import { env } from "@/server/env";
import { requirePage } from "@/server/page-guard";
import { serviceProvider } from "@/server/saml";
import { SamlSettingsPanel } from "./saml-settings-panel";

export const metadata = { title: "Sign-in settings · Sluice" };

export default async function SettingsPage() {
  await requirePage("users:read");
  const config = env();
  return (
    <SamlSettingsPanel
      spMetadataUrl={`${config.origin}/api/saml/metadata`}
      hasSpKey={serviceProvider() !== null}
      environmentMetadataUrl={config.SAML_IDP_METADATA_URL ?? null}
    />
  );
}
