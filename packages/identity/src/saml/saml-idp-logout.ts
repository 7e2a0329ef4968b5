import { inflateRawSync } from "node:zlib";
import type { Profile } from "@node-saml/node-saml";
import {
  MAX_SAML_RESPONSE_BYTES,
  SAML_CLOCK_SKEW_MS,
  SAML_MAX_ASSERTION_AGE_MS,
  SAML_NS,
  type SamlIdentityProvider,
  type SamlServiceProvider,
} from "./saml-settings";
import { samlClient } from "./saml-sp-messages";
import { childElements, onlyChild, parseSamlXml, SamlRejection, textOf } from "./saml-xml";

/** A LogoutRequest the IdP sent (IdP-initiated Single Logout) that passed every check. */
export type IdpLogoutRequest = {
  id: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  /** The IdP sessions to end; empty: every session of the NameID. */
  sessionIndexes: string[];
  /** Until when the request could be replayed: the caller remembers its ID at least this long. */
  replayableUntil: Date;
};

export type VerifyIdpLogoutOptions = {
  sp: SamlServiceProvider;
  idp: SamlIdentityProvider;
  /** The SLO endpoint's query (HTTP-Redirect binding) as parsed and as received (the signature covers the raw text). */
  query: URLSearchParams;
  rawQuery: string;
  now?: Date;
};

/**
 * Verifies a LogoutRequest the IdP sent over HTTP-Redirect, as strictly as an assertion: it must be
 * signed (node-saml would accept one without a signature), by a key of the IdP's metadata, issued by
 * the IdP, addressed to this SP's SLO endpoint, recent, and name one NameID in clear. Replay needs the
 * store: the caller records `id` (packages/admin `end-saml-sessions`).
 */
export async function verifyIdpLogoutRequest(options: VerifyIdpLogoutOptions): Promise<IdpLogoutRequest> {
  const { sp, idp, query } = options;
  const now = options.now ?? new Date();
  const encoded = query.get("SAMLRequest");
  if (!encoded || encoded.length > (MAX_SAML_RESPONSE_BYTES * 4) / 3 + 4)
    throw new SamlRejection("malformed", "no SAMLRequest, or too large");
  if (!query.get("Signature") || !query.get("SigAlg"))
    throw new SamlRejection("unsigned", "the LogoutRequest carries no signature");
  let xml: string;
  try {
    xml = inflateRawSync(Buffer.from(encoded, "base64"), {
      maxOutputLength: MAX_SAML_RESPONSE_BYTES,
    }).toString("utf8");
  } catch {
    throw new SamlRejection("malformed", "the SAMLRequest does not inflate");
  }
  const request = readLogoutRequest(xml);
  if (request.destination !== sp.sloUrl)
    throw new SamlRejection("wrong-destination", `addressed to ${request.destination ?? "nobody"}`);
  if (request.issuer !== idp.entityId) throw new SamlRejection("wrong-issuer", `issued by ${request.issuer}`);
  const issuedAt = Date.parse(request.issueInstant);
  if (Number.isNaN(issuedAt) || issuedAt > now.getTime() + SAML_CLOCK_SKEW_MS)
    throw new SamlRejection("not-yet-valid", `issued at ${request.issueInstant}`);
  const replayableUntil = new Date(issuedAt + SAML_MAX_ASSERTION_AGE_MS + SAML_CLOCK_SKEW_MS);
  if (replayableUntil <= now) throw new SamlRejection("expired", `issued at ${request.issueInstant}`);
  try {
    // The query signature over the raw parameters, by a certificate of the IdP's metadata.
    await samlClient(sp, idp).validateRedirectAsync(
      Object.fromEntries(query) as Record<string, string>,
      options.rawQuery,
    );
  } catch (error) {
    throw new SamlRejection("bad-signature", error instanceof Error ? error.message : String(error));
  }
  return { ...request.fields, replayableUntil };
}

/** The signed HTTP-Redirect URL of the LogoutResponse that answers `request` at the IdP's SLO endpoint. */
export async function idpLogoutResponseUrl(
  sp: SamlServiceProvider,
  idp: SamlIdentityProvider,
  request: IdpLogoutRequest,
  relayState: string,
): Promise<string> {
  const profile = {
    ID: request.id,
    issuer: request.issuer,
    nameID: request.nameId,
    nameIDFormat: request.nameIdFormat ?? "",
  } as Profile;
  return samlClient(sp, idp).getLogoutResponseUrlAsync(profile, relayState, {}, true);
}

function readLogoutRequest(xml: string) {
  const root = parseSamlXml(xml).documentElement as Element;
  if (root.namespaceURI !== SAML_NS.protocol || root.localName !== "LogoutRequest")
    throw new SamlRejection("malformed", `expected a LogoutRequest, got ${root.localName}`);
  const id = root.getAttribute("ID");
  const issueInstant = root.getAttribute("IssueInstant");
  if (!id || !issueInstant)
    throw new SamlRejection("malformed", "the LogoutRequest has no ID or IssueInstant");
  if (childElements(root, SAML_NS.assertion, "EncryptedID").length > 0)
    throw new SamlRejection("malformed", "an encrypted NameID in a LogoutRequest is not supported");
  const nameIdElement = onlyChild(root, SAML_NS.assertion, "NameID");
  const nameId = textOf(nameIdElement);
  if (!nameId) throw new SamlRejection("no-subject", "the LogoutRequest names nobody");
  return {
    destination: root.getAttribute("Destination"),
    issueInstant,
    issuer: textOf(onlyChild(root, SAML_NS.assertion, "Issuer")),
    fields: {
      id,
      issuer: textOf(onlyChild(root, SAML_NS.assertion, "Issuer")),
      nameId,
      nameIdFormat: nameIdElement.getAttribute("Format") || null,
      sessionIndexes: childElements(root, SAML_NS.protocol, "SessionIndex").map(textOf).filter(Boolean),
    },
  };
}
