import { execFileSync } from "node:child_process";
import type { PrismaClient } from "@sluice/db/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import type { Actor, AdminContext } from "../src/actor";
import { AdminError } from "../src/admin-error";
import { actorForUser } from "../src/api-tokens";
import {
  deleteSamlIdpMetadata,
  getSamlIdpConfig,
  saveSamlIdpMetadata,
  storedIdpMetadata,
} from "../src/saml-idp-config";
import { recordSignIn } from "../src/users";

const KEY = Buffer.alloc(32, 5);

/** A real self-signed certificate, as an IdP publishes it (base64 DER without the PEM lines). */
function certificateBase64(): string {
  const pem = execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      "/CN=idp",
      "-days",
      "1",
      "-keyout",
      "/dev/null",
    ],
    { encoding: "utf8" },
  );
  return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}

const metadata = (options: { cert: string; sso?: string; entityId?: string }) =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${options.entityId ?? "https://idp.example/saml"}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${options.cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${options.sso ?? "https://idp.example/sso"}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;

async function refusal(promise: Promise<unknown>): Promise<AdminError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdminError);
  return error as AdminError;
}

describe("the SAML identity provider stored in the console", () => {
  let store: { prisma: PrismaClient; drop: () => Promise<void> };
  let admin: AdminContext;
  let auditor: AdminContext;
  let cert: string;

  const contextFor = async (email: string, group: string): Promise<AdminContext> => {
    const user = await recordSignIn(store.prisma, {
      issuer: "https://idp.test",
      subject: email,
      email,
      groups: [group],
    });
    if (!user) throw new Error(`${email} got no role`);
    return { db: store.prisma, actor: (await actorForUser(store.prisma, user.id)) as Actor, secretKey: KEY };
  };

  beforeAll(async () => {
    store = await createTestStore();
    await store.prisma.roleMapping.createMany({
      data: [
        { idpGroup: "admins", role: "ADMIN" },
        { idpGroup: "auditors", role: "AUDITOR" },
      ],
    });
    admin = await contextFor("ada@example.test", "admins");
    auditor = await contextFor("aud@example.test", "auditors");
    cert = certificateBase64();
  });
  afterAll(() => store?.drop());

  it("stores valid metadata, shows what sign-in will use, and audits the change", async () => {
    expect(await getSamlIdpConfig(admin)).toEqual({ stored: null });
    const saved = await saveSamlIdpMetadata(admin, { input: { metadataXml: metadata({ cert }) } });
    expect(saved.stored).toMatchObject({
      entityId: "https://idp.example/saml",
      ssoUrl: "https://idp.example/sso",
      certificates: 1,
      updatedBy: "ada@example.test",
    });
    expect(await storedIdpMetadata(store.prisma)).toContain("https://idp.example/sso");
    const event = await store.prisma.auditEvent.findFirstOrThrow({ where: { action: "saml_idp.update" } });
    expect(event.after).toMatchObject({ entityId: "https://idp.example/saml" });
  });

  it("refuses metadata that would break sign-in, on the field, and keeps what was stored", async () => {
    const save = (metadataXml: string) => refusal(saveSamlIdpMetadata(admin, { input: { metadataXml } }));
    expect((await save("<not xml")).fields.metadataXml).toMatch(/not valid XML/);
    expect((await save(metadata({ cert: "MIIBszCCAVmgAwIBAgIUQk" }))).fields.metadataXml).toMatch(
      /not a valid X\.509 certificate/,
    );
    expect((await save(metadata({ cert, sso: "javascript:alert(1)" }))).fields.metadataXml).toMatch(
      /not an http\(s\) URL/,
    );
    expect((await save("   ")).fields.metadataXml).toMatch(/paste/);
    expect((await getSamlIdpConfig(admin)).stored?.entityId).toBe("https://idp.example/saml");
  });

  it("lets only admins change it, and forgetting it falls back to the environment", async () => {
    expect(
      (await refusal(saveSamlIdpMetadata(auditor, { input: { metadataXml: metadata({ cert }) } }))).kind,
    ).toBe("forbidden");
    expect((await refusal(deleteSamlIdpMetadata(auditor))).kind).toBe("forbidden");
    await deleteSamlIdpMetadata(admin);
    expect(await storedIdpMetadata(store.prisma)).toBeNull();
    expect(await store.prisma.auditEvent.count({ where: { action: "saml_idp.delete" } })).toBe(1);
  });
});
