import { SAML, ValidateInResponseTo } from "@node-saml/node-saml";
import { withDecryptedAssertion } from "./saml-decrypt";
import { checkResponseShape, type ResponseShape } from "./saml-response-shape";
import {
  MAX_SAML_RESPONSE_BYTES,
  SAML_CLOCK_SKEW_MS,
  SAML_MAX_ASSERTION_AGE_MS,
  type SamlAttributeNames,
  type SamlIdentityProvider,
  type SamlServiceProvider,
} from "./saml-settings";
import { SamlRejection } from "./saml-xml";

/** Who the IdP vouched for, from a response that passed every check. */
export type VerifiedSamlAssertion = {
  issuer: string;
  assertionId: string;
  /** The AuthnRequest this answers; the caller must find it outstanding and consume it. */
  inResponseTo: string;
  /** Until when the assertion is valid: the caller remembers its ID at least this long. */
  notOnOrAfter: Date;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  email: string;
  name: string | null;
  groups: string[];
};

export type VerifySamlResponseOptions = {
  sp: SamlServiceProvider;
  idp: SamlIdentityProvider;
  attributes: SamlAttributeNames;
  /** The SAMLResponse form field as posted (base64). */
  samlResponse: string;
  now?: Date;
};

/**
 * Verifies an HTTP-POST SAMLResponse for the console's sign-in. The shape is checked first, on our
 * own strict parse (one Response, exactly one Assertion in the whole document once an encrypted one
 * is decrypted with the SP's key, no duplicated IDs, the assertion's signature referencing that assertion), which closes signature
 * wrapping before any signature is looked at; node-saml then verifies the signature with the IdP's
 * certificates and the audience and validity windows; finally Destination, Recipient, issuer and
 * InResponseTo are checked on the same single assertion. Anything missing is a rejection.
 * Replay and request correlation need the store: the caller consumes `inResponseTo` and records
 * `assertionId` (packages/admin `saml-sign-in`).
 */
export async function verifySamlResponse(options: VerifySamlResponseOptions): Promise<VerifiedSamlAssertion> {
  const { sp, idp } = options;
  const now = options.now ?? new Date();
  if (options.samlResponse.length > (MAX_SAML_RESPONSE_BYTES * 4) / 3 + 4) {
    throw new SamlRejection("malformed", "the response is too large");
  }
  if (!/^[A-Za-z0-9+/=\s]+$/.test(options.samlResponse)) {
    throw new SamlRejection("malformed", "the response is not base64");
  }
  const xml = await withDecryptedAssertion(
    Buffer.from(options.samlResponse, "base64").toString("utf8"),
    sp.encryption?.key,
  );
  const shape = checkResponseShape(xml);
  checkAddressing(shape, sp, idp);
  checkTimes(shape, now);

  const saml = new SAML({
    idpCert: idp.certificates,
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    audience: sp.entityId,
    idpIssuer: idp.entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    // Correlation is the store's job (one use per request, bound to the browser); see above.
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    maxAssertionAgeMs: SAML_MAX_ASSERTION_AGE_MS,
    ...(sp.encryption ? { decryptionPvk: sp.encryption.key } : {}),
  });
  let profile: Record<string, unknown> | null;
  try {
    ({ profile } = (await saml.validatePostResponseAsync({ SAMLResponse: options.samlResponse })) as {
      profile: Record<string, unknown> | null;
    });
  } catch (error) {
    throw classifyLibraryError(error);
  }
  if (!profile) throw new SamlRejection("no-subject", "the response carries no assertion");
  const nameId = typeof profile.nameID === "string" ? profile.nameID : "";
  if (!nameId || nameId !== shape.nameId)
    throw new SamlRejection("no-subject", "the assertion names no subject");

  const email = firstValue(profile[options.attributes.email]) ?? (nameId.includes("@") ? nameId : null);
  if (!email)
    throw new SamlRejection("no-subject", `no ${options.attributes.email} attribute and NameID is no email`);
  return {
    issuer: idp.entityId,
    assertionId: shape.assertionId,
    inResponseTo: shape.inResponseTo,
    notOnOrAfter: shape.notOnOrAfter,
    nameId,
    nameIdFormat: typeof profile.nameIDFormat === "string" ? profile.nameIDFormat : null,
    sessionIndex: typeof profile.sessionIndex === "string" ? profile.sessionIndex : null,
    email,
    name: firstValue(profile[options.attributes.name]),
    groups: allValues(profile[options.attributes.groups]),
  };
}

function checkAddressing(shape: ResponseShape, sp: SamlServiceProvider, idp: SamlIdentityProvider): void {
  if (shape.destination !== sp.acsUrl) {
    throw new SamlRejection(
      "wrong-destination",
      `Destination ${JSON.stringify(shape.destination)} is not ${sp.acsUrl}`,
    );
  }
  if (shape.recipient !== sp.acsUrl) {
    throw new SamlRejection(
      "wrong-recipient",
      `Recipient ${JSON.stringify(shape.recipient)} is not ${sp.acsUrl}`,
    );
  }
  for (const issuer of shape.issuers) {
    if (issuer !== idp.entityId) throw new SamlRejection("wrong-issuer", `issuer ${JSON.stringify(issuer)}`);
  }
  if (!shape.audiences.includes(sp.entityId)) {
    throw new SamlRejection(
      "wrong-audience",
      `audience ${JSON.stringify(shape.audiences)} is not ${sp.entityId}`,
    );
  }
}

function checkTimes(shape: ResponseShape, now: Date): void {
  const at = now.getTime();
  if (shape.notBefore && at + SAML_CLOCK_SKEW_MS < shape.notBefore.getTime()) {
    throw new SamlRejection("not-yet-valid", `NotBefore ${shape.notBefore.toISOString()}`);
  }
  if (at - SAML_CLOCK_SKEW_MS >= shape.notOnOrAfter.getTime()) {
    throw new SamlRejection("expired", `NotOnOrAfter ${shape.notOnOrAfter.toISOString()}`);
  }
  if (at - shape.issueInstant.getTime() > SAML_MAX_ASSERTION_AGE_MS + SAML_CLOCK_SKEW_MS) {
    throw new SamlRejection("expired", `issued at ${shape.issueInstant.toISOString()}`);
  }
  if (shape.issueInstant.getTime() - at > SAML_CLOCK_SKEW_MS) {
    throw new SamlRejection("not-yet-valid", `issued in the future (${shape.issueInstant.toISOString()})`);
  }
}

function classifyLibraryError(error: unknown): SamlRejection {
  if (error instanceof SamlRejection) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/signature/i.test(message)) return new SamlRejection("bad-signature", message);
  if (/audience/i.test(message)) return new SamlRejection("wrong-audience", message);
  if (/expired|NotOnOrAfter/i.test(message)) return new SamlRejection("expired", message);
  if (/not yet valid|NotBefore/i.test(message)) return new SamlRejection("not-yet-valid", message);
  if (/issuer/i.test(message)) return new SamlRejection("wrong-issuer", message);
  if (/status/i.test(message)) return new SamlRejection("failed-status", message);
  return new SamlRejection("malformed", message);
}

function allValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return typeof value === "string" ? [value] : [];
}

function firstValue(value: unknown): string | null {
  return allValues(value)[0] ?? null;
}
