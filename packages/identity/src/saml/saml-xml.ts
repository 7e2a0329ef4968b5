import { DOMParser } from "@xmldom/xmldom";

/** Why a SAML message was refused, in words for the log; people see a generic sign-in error. */
export class SamlRejection extends Error {
  constructor(
    readonly reason: SamlRejectionReason,
    detail: string,
  ) {
    super(`SAML ${reason}: ${detail}`);
    this.name = "SamlRejection";
  }
}

export type SamlRejectionReason =
  | "malformed"
  | "unsigned"
  | "bad-signature"
  | "wrong-issuer"
  | "wrong-audience"
  | "wrong-destination"
  | "wrong-recipient"
  | "expired"
  | "not-yet-valid"
  | "unsolicited"
  | "replayed"
  | "failed-status"
  | "no-subject";

/**
 * Parses SAML XML strictly: any parser error or warning, and any DOCTYPE (entity expansion, external
 * entities), refuses the message instead of letting a lenient parser guess at its structure.
 */
export function parseSamlXml(xml: string): Document {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new SamlRejection("malformed", "the message has a DOCTYPE");
  }
  const fail = (message: string) => {
    throw new SamlRejection("malformed", `not well-formed XML: ${message}`);
  };
  const doc = new DOMParser({
    errorHandler: { warning: fail, error: fail, fatalError: fail },
  }).parseFromString(xml, "text/xml");
  if (!doc?.documentElement) throw new SamlRejection("malformed", "no document element");
  return doc;
}

/** Child elements of `parent` with this namespace and local name (direct children only). */
export function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== 1) continue;
    const element = node as Element;
    if (element.namespaceURI === namespace && element.localName === localName) found.push(element);
  }
  return found;
}

/** The single child with this name; none or several refuse the message. */
export function onlyChild(parent: Element, namespace: string, localName: string): Element {
  const children = childElements(parent, namespace, localName);
  if (children.length !== 1) {
    throw new SamlRejection(
      "malformed",
      `expected exactly one ${localName} in ${parent.localName}, found ${children.length}`,
    );
  }
  return children[0] as Element;
}

/** Every element in the document with this local name, in any namespace. */
export function elementsNamed(doc: Document, localName: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS("*", localName) as unknown as ArrayLike<Element>);
}

export function textOf(element: Element): string {
  return (element.textContent ?? "").trim();
}
