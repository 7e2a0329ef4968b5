import { SAML_NS } from "./saml-settings";
import { childElements, elementsNamed, onlyChild, parseSamlXml, SamlRejection, textOf } from "./saml-xml";

/** The parts of a response the console decides on, read from its one and only assertion. */
export type ResponseShape = {
  destination: string | null;
  inResponseTo: string;
  /** The Response's issuer (when present) and the Assertion's. */
  issuers: string[];
  assertionId: string;
  issueInstant: Date;
  nameId: string;
  recipient: string | null;
  audiences: string[];
  notBefore: Date | null;
  /** The earlier of the Conditions' and the bearer confirmation's NotOnOrAfter. */
  notOnOrAfter: Date;
};

const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/** Attribute names XML signature libraries resolve a Reference URI against. */
const ID_ATTRIBUTES = ["ID", "Id", "id"];

/**
 * Structural checks that make signature wrapping impossible to express: the document must be one
 * Response with exactly one Assertion anywhere (an attacker's copy hidden in an Extensions,
 * Advice or Object element counts), no two elements sharing an ID, signatures only on the Response
 * and on that Assertion, and the Assertion's signature must reference the Assertion itself. What
 * the signature then covers is exactly what we read.
 */
export function checkResponseShape(xml: string): ResponseShape {
  const doc = parseSamlXml(xml);
  const response = doc.documentElement as Element;
  if (response.namespaceURI !== SAML_NS.protocol || response.localName !== "Response") {
    throw new SamlRejection("malformed", `the document is a ${response.localName}, not a Response`);
  }
  checkUniqueIds(doc);
  if (elementsNamed(doc, "EncryptedAssertion").length > 0) {
    throw new SamlRejection("malformed", "encrypted assertions are not accepted");
  }
  const assertions = elementsNamed(doc, "Assertion");
  if (assertions.length !== 1) {
    throw new SamlRejection("malformed", `expected exactly one Assertion, found ${assertions.length}`);
  }
  const assertion = onlyChild(response, SAML_NS.assertion, "Assertion");
  checkSignaturePlacement(doc, response, assertion);

  const status = onlyChild(onlyChild(response, SAML_NS.protocol, "Status"), SAML_NS.protocol, "StatusCode");
  if (status.getAttribute("Value") !== SUCCESS) {
    throw new SamlRejection("failed-status", `the IdP answered ${status.getAttribute("Value")}`);
  }
  const inResponseTo = response.getAttribute("InResponseTo");
  if (!inResponseTo)
    throw new SamlRejection("unsolicited", "the response answers no request (IdP-initiated)");

  const issuers = childElements(response, SAML_NS.assertion, "Issuer").map(textOf);
  issuers.push(textOf(onlyChild(assertion, SAML_NS.assertion, "Issuer")));

  const subject = onlyChild(assertion, SAML_NS.assertion, "Subject");
  const nameId = textOf(onlyChild(subject, SAML_NS.assertion, "NameID"));
  const bearer = childElements(subject, SAML_NS.assertion, "SubjectConfirmation").filter(
    (confirmation) => confirmation.getAttribute("Method") === BEARER,
  );
  if (bearer.length !== 1) throw new SamlRejection("malformed", "expected one bearer SubjectConfirmation");
  const confirmation = onlyChild(bearer[0] as Element, SAML_NS.assertion, "SubjectConfirmationData");
  if (confirmation.getAttribute("InResponseTo") !== inResponseTo) {
    throw new SamlRejection("unsolicited", "the assertion answers another request than the response");
  }

  const conditions = onlyChild(assertion, SAML_NS.assertion, "Conditions");
  const audiences = childElements(conditions, SAML_NS.assertion, "AudienceRestriction").flatMap(
    (restriction) => childElements(restriction, SAML_NS.assertion, "Audience").map(textOf),
  );
  const confirmationEnd = requiredInstant(confirmation, "NotOnOrAfter");
  const conditionsEnd = requiredInstant(conditions, "NotOnOrAfter");
  return {
    destination: response.getAttribute("Destination") || null,
    inResponseTo,
    issuers,
    assertionId: assertion.getAttribute("ID") ?? "",
    issueInstant: requiredInstant(assertion, "IssueInstant"),
    nameId,
    recipient: confirmation.getAttribute("Recipient") || null,
    audiences,
    notBefore: optionalInstant(conditions, "NotBefore"),
    notOnOrAfter: new Date(Math.min(confirmationEnd.getTime(), conditionsEnd.getTime())),
  };
}

function checkUniqueIds(doc: Document): void {
  const seen = new Set<string>();
  for (const element of elementsNamed(doc, "*")) {
    for (const name of ID_ATTRIBUTES) {
      const value = element.getAttribute(name);
      if (!value) continue;
      if (seen.has(value)) throw new SamlRejection("malformed", `two elements share the ID ${value}`);
      seen.add(value);
    }
  }
}

function checkSignaturePlacement(doc: Document, response: Element, assertion: Element): void {
  const assertionId = assertion.getAttribute("ID");
  if (!assertionId) throw new SamlRejection("malformed", "the assertion has no ID");
  const assertionSignatures = childElements(assertion, SAML_NS.signature, "Signature");
  if (assertionSignatures.length === 0) throw new SamlRejection("unsigned", "the assertion is not signed");
  if (assertionSignatures.length > 1)
    throw new SamlRejection("malformed", "the assertion has several signatures");
  const allowed = new Set<Element>([
    ...assertionSignatures,
    ...childElements(response, SAML_NS.signature, "Signature"),
  ]);
  for (const signature of elementsNamed(doc, "Signature")) {
    if (!allowed.has(signature))
      throw new SamlRejection("malformed", "a signature outside the Response and Assertion");
  }
  const signedInfo = onlyChild(assertionSignatures[0] as Element, SAML_NS.signature, "SignedInfo");
  const references = childElements(signedInfo, SAML_NS.signature, "Reference");
  if (references.length !== 1 || references[0]?.getAttribute("URI") !== `#${assertionId}`) {
    throw new SamlRejection("bad-signature", "the assertion's signature does not reference the assertion");
  }
}

function requiredInstant(element: Element, attribute: string): Date {
  const instant = optionalInstant(element, attribute);
  if (!instant) throw new SamlRejection("malformed", `${element.localName} has no ${attribute}`);
  return instant;
}

function optionalInstant(element: Element, attribute: string): Date | null {
  const value = element.getAttribute(attribute);
  if (!value) return null;
  // SAML instants are xs:dateTime in UTC; anything else is not a time we can compare.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) {
    throw new SamlRejection("malformed", `${element.localName}@${attribute} is not a UTC instant: ${value}`);
  }
  return new Date(value);
}
