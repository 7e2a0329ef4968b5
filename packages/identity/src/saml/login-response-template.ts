import { randomBytes } from "node:crypto";
import type { LocalIdpUser } from "../local-idp";

const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";
const PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
/** How long an assertion the local IdP issues may be used: long enough for a slow browser, no more. */
const ASSERTION_LIFETIME_MS = 5 * 60_000;

export type LoginResponseValues = {
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  inResponseTo: string;
  user: LocalIdpUser;
  sessionIndex: string;
};

/**
 * Fills samlify's login-response template with the demo user's identity, a session index (for SLO)
 * and a multi-valued `groups` attribute, which samlify's attribute templates cannot express.
 * Every value is XML-escaped; the signature is added by samlify afterwards.
 */
export function buildLoginResponseXml(template: string, values: LoginResponseValues) {
  const now = new Date();
  const later = new Date(now.getTime() + ASSERTION_LIFETIME_MS).toISOString();
  const id = `_${randomBytes(20).toString("hex")}`;
  const attribute = (name: string, items: readonly string[]) =>
    `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${items
      .map((item) => `<saml:AttributeValue xsi:type="xs:string">${esc(item)}</saml:AttributeValue>`)
      .join("")}</saml:Attribute>`;
  const tags: Record<string, string> = {
    ID: id,
    AssertionID: `_${randomBytes(20).toString("hex")}`,
    Destination: esc(values.acsUrl),
    Audience: esc(values.spEntityId),
    SubjectRecipient: esc(values.acsUrl),
    Issuer: esc(values.idpEntityId),
    IssueInstant: now.toISOString(),
    StatusCode: SUCCESS,
    ConditionsNotBefore: now.toISOString(),
    ConditionsNotOnOrAfter: later,
    SubjectConfirmationDataNotOnOrAfter: later,
    NameIDFormat: EMAIL_FORMAT,
    NameID: esc(values.user.email),
    InResponseTo: esc(values.inResponseTo),
    AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${esc(values.sessionIndex)}"><saml:AuthnContext><saml:AuthnContextClassRef>${PASSWORD_CONTEXT}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
    AttributeStatement: `<saml:AttributeStatement>${attribute("email", [values.user.email])}${attribute("name", [values.user.name])}${attribute("groups", values.user.groups)}</saml:AttributeStatement>`,
  };
  const context = template.replace(/\{(\w+)\}/g, (whole, tag: string) => tags[tag] ?? whole);
  return { id, context };
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
