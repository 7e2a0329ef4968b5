import { X509Certificate } from "node:crypto";
import type { PrismaClient } from "@sluice/db/prisma";
import { parseIdpMetadata } from "@sluice/identity/saml/saml-idp-metadata";
import type { SamlIdentityProvider } from "@sluice/identity/saml/saml-settings";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

/** Metadata documents are a few KiB; a key rollover with several certificates stays far below this. */
const MAX_METADATA_CHARS = 200_000;

export const ZSamlIdpMetadataInput = z.object({
  metadataXml: z
    .string()
    .trim()
    .min(1, "paste the identity provider's metadata (an md:EntityDescriptor)")
    .max(MAX_METADATA_CHARS, "at most 200,000 characters"),
});

/**
 * Reads metadata the way sign-in will, and more strictly: every signing certificate must parse
 * and the endpoints must be http(s) URLs, so a paste that would break every SAML sign-in is
 * refused while the admin is still looking at it.
 */
export function validateIdpMetadata(xml: string): SamlIdentityProvider {
  const idp = parseIdpMetadata(xml);
  for (const [index, pem] of idp.certificates.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(
        `signing certificate ${index + 1} of the IdP metadata is not a valid X.509 certificate`,
      );
    }
  }
  for (const [what, url] of [
    ["SingleSignOnService", idp.ssoUrl],
    ["SingleLogoutService", idp.sloUrl],
  ] as const) {
    if (url === null) continue;
    const parsed = URL.canParse(url) ? new URL(url) : null;
    if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:"))
      throw new Error(`the IdP metadata's ${what} is not an http(s) URL: ${url}`);
  }
  return idp;
}

/** The IdP an admin stored in the console, or null (the environment's metadata URL applies). */
export async function storedIdpMetadata(db: PrismaClient): Promise<string | null> {
  const row = await db.samlIdpConfig.findUnique({ where: { id: "default" } });
  return row?.metadataXml ?? null;
}

/** What the settings page shows: the stored IdP (entity, endpoints, certificates), never the XML again. */
export async function getSamlIdpConfig(context: AdminContext) {
  assertCan(context.actor, "users:read");
  const row = await context.db.samlIdpConfig.findUnique({ where: { id: "default" } });
  if (!row) return { stored: null };
  const idp = parseIdpMetadata(row.metadataXml);
  return {
    stored: {
      entityId: idp.entityId,
      ssoUrl: idp.ssoUrl,
      sloUrl: idp.sloUrl,
      certificates: idp.certificates.length,
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    },
  };
}

/** Stores the IdP's metadata after validating it; the next SAML sign-in uses it. */
export async function saveSamlIdpMetadata(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "users:write");
  const { metadataXml } = parseInput(ZSamlIdpMetadataInput, options.input);
  let idp: SamlIdentityProvider;
  try {
    idp = validateIdpMetadata(metadataXml);
  } catch (error) {
    throw new AdminError("invalid", "some fields need attention", { metadataXml: (error as Error).message });
  }
  await context.db.$transaction(async (db) => {
    const before = await db.samlIdpConfig.findUnique({ where: { id: "default" } });
    const data = { metadataXml, entityId: idp.entityId, updatedBy: context.actor.name };
    await db.samlIdpConfig.upsert({
      where: { id: "default" },
      create: { id: "default", ...data },
      update: data,
    });
    await recordAudit(db, context.actor, {
      action: "saml_idp.update",
      targetType: "saml_idp",
      targetId: "default",
      before: before ? { entityId: before.entityId } : undefined,
      after: { entityId: idp.entityId, ssoUrl: idp.ssoUrl, certificates: idp.certificates.length },
    });
  });
  return getSamlIdpConfig(context);
}

/** Forgets the stored IdP: SAML sign-in goes back to the environment's metadata URL, if any. */
export async function deleteSamlIdpMetadata(context: AdminContext) {
  assertCan(context.actor, "users:write");
  await context.db.$transaction(async (db) => {
    const before = await db.samlIdpConfig.findUnique({ where: { id: "default" } });
    if (!before) return;
    await db.samlIdpConfig.delete({ where: { id: "default" } });
    await recordAudit(db, context.actor, {
      action: "saml_idp.delete",
      targetType: "saml_idp",
      targetId: "default",
      before: { entityId: before.entityId },
    });
  });
}
