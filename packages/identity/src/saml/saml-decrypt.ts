import { decryptXml } from "@node-saml/node-saml/lib/xml";
import { XMLSerializer } from "@xmldom/xmldom";
import { SAML_NS } from "./saml-settings";
import { elementsNamed, onlyChild, parseSamlXml, SamlRejection } from "./saml-xml";

const XMLENC_NS = "http://www.w3.org/2001/04/xmlenc#";

/**
 * The response as the structural checks must see it: an EncryptedAssertion (the Response's one
 * child of that kind) decrypted with the SP's key and put in its place. Without a key, or when it
 * does not decrypt to one Assertion, the response is refused. node-saml decrypts the original on
 * its own to verify the signature; this copy is only what the shape checks read.
 */
export async function withDecryptedAssertion(
  xml: string,
  decryptionKey: string | undefined,
): Promise<string> {
  const doc = parseSamlXml(xml);
  const encrypted = elementsNamed(doc, "EncryptedAssertion");
  if (encrypted.length === 0) return xml;
  if (!decryptionKey)
    throw new SamlRejection(
      "malformed",
      "encrypted assertions are not accepted: the SP has no decryption key",
    );
  const response = doc.documentElement as Element;
  const element = onlyChild(response, SAML_NS.assertion, "EncryptedAssertion");
  if (encrypted.length !== 1) throw new SamlRejection("malformed", "more than one EncryptedAssertion");
  const data = onlyChild(element, XMLENC_NS, "EncryptedData");
  let decrypted: string;
  try {
    decrypted = await decryptXml(new XMLSerializer().serializeToString(data), decryptionKey);
  } catch (error) {
    throw new SamlRejection("malformed", `the assertion does not decrypt (${String(error)})`);
  }
  const assertion = parseSamlXml(decrypted).documentElement as Element;
  if (assertion.namespaceURI !== SAML_NS.assertion || assertion.localName !== "Assertion")
    throw new SamlRejection(
      "malformed",
      `the encrypted element is a ${assertion.localName}, not an Assertion`,
    );
  response.replaceChild(doc.importNode(assertion, true), element);
  return new XMLSerializer().serializeToString(doc);
}
