import { type DetectorRule, maskDetected } from "./content-masker";
import { REDACTED_TEXT } from "./strategies";

/**
 * ErrorResponse and NoticeResponse bodies quote values: a failed cast prints the input, a unique
 * violation prints the key. While a statement that reads masked columns is in flight, quoted and
 * parenthesised literals in the message are redacted and detail is withheld; the SQLSTATE, the
 * severity and the shape of the message stay, so the agent still learns what went wrong.
 * @see https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
export function redactErrorBody(body: Buffer): Buffer {
  const fields: Array<[number, string]> = [];
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = body[offset] as number;
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    fields.push([code, body.toString("utf8", offset + 1, end)]);
    offset = end + 1;
  }
  const parts: Buffer[] = [];
  for (const [code, value] of fields) {
    const field = String.fromCharCode(code);
    let next = value;
    if (field === "M" || field === "H" || field === "W") next = redactLiterals(value);
    if (field === "D") next = "detail withheld: the statement reads masked columns";
    parts.push(Buffer.from([code]), Buffer.from(`${next}\0`, "utf8"));
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** `"value"`, `'value'` and `(value)` become the placeholder. */
export function redactLiterals(text: string): string {
  return text
    .replace(/"[^"]*"/g, `"${REDACTED_TEXT}"`)
    .replace(/'[^']*'/g, `'${REDACTED_TEXT}'`)
    .replace(/\(([^()]*)\)=\(([^()]*)\)/g, `($1)=(${REDACTED_TEXT})`);
}

/** Wraps a rewritten body back into its message ('E' or 'N'). */
export function withHeader(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** What content detectors find in an error's or notice's message, detail and hint, masked. */
export function maskDetectedInErrorBody(
  body: Buffer,
  detectors: readonly DetectorRule[],
  hashKey: Buffer,
): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = body[offset] as number;
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    const value = body.toString("utf8", offset + 1, end);
    const field = String.fromCharCode(code);
    const masked =
      field === "M" || field === "D" || field === "H" || field === "W"
        ? maskDetected(value, detectors, hashKey)
        : null;
    parts.push(Buffer.from([code]), Buffer.from(`${masked ?? value}\0`, "utf8"));
    offset = end + 1;
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}
