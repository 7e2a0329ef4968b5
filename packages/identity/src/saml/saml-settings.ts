/** The console as a SAML service provider: what it calls itself and where the IdP sends people back. */
export type SamlServiceProvider = {
  /** The SP's entity ID; also the audience every assertion must name. */
  entityId: string;
  /** Assertion Consumer Service: the only URL a response may be addressed to (Destination, Recipient). */
  acsUrl: string;
  /** Single Logout: where the IdP answers a logout request. */
  sloUrl: string;
  /** PEM key and certificate the SP signs its requests with (the IdP checks them against SP metadata). */
  signingKey: string;
  signingCert: string;
  /**
   * PEM key and certificate assertions may be encrypted to; absent: encrypted assertions are refused
   * and the SP metadata advertises no encryption key.
   */
  encryption?: { key: string; cert: string };
};

/** What the SP trusts about its identity provider, read from the IdP's metadata. */
export type SamlIdentityProvider = {
  entityId: string;
  /** HTTP-Redirect SingleSignOnService. */
  ssoUrl: string;
  /** HTTP-Redirect SingleLogoutService, when the IdP offers one. */
  sloUrl: string | null;
  /** PEM certificates whose keys may sign assertions (several during a key rollover). */
  certificates: string[];
};

/** Which assertion attributes carry a person's groups, email and display name. */
export type SamlAttributeNames = { groups: string; email: string; name: string };

export const DEFAULT_SAML_ATTRIBUTES: SamlAttributeNames = {
  groups: "groups",
  email: "email",
  name: "name",
};

/**
 * Clock difference tolerated between the IdP and Sluice. Small: an assertion is a bearer credential,
 * and every extra minute is a minute a captured one stays usable.
 */
export const SAML_CLOCK_SKEW_MS = 60_000;

/** An assertion issued longer ago than this is refused whatever its own NotOnOrAfter says. */
export const SAML_MAX_ASSERTION_AGE_MS = 10 * 60_000;

/** A SAMLResponse larger than this is not a sign-in; refused before parsing. */
export const MAX_SAML_RESPONSE_BYTES = 256 * 1024;

export const SAML_NS = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  metadata: "urn:oasis:names:tc:SAML:2.0:metadata",
  signature: "http://www.w3.org/2000/09/xmldsig#",
} as const;

export const SAML_BINDINGS = {
  redirect: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
  post: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
} as const;
