import { ScramError } from "./scram-error";

/** One `x=value` pair of a SCRAM message. */
export type ScramAttribute = { name: string; value: string };

/** RFC 5802 attr-val: one letter, '=', then anything but ',' (values may be empty, e.g. libpq's `n=`). */
const ATTRIBUTE_PATTERN = /^([A-Za-z])=([^,]*)$/;
/** RFC 5802 `printable`: ASCII 0x21-0x7E except ','. */
const NONCE_PATTERN = /^[\x21-\x2b\x2d-\x7e]+$/;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * SCRAM messages are UTF-8 text; bytes that are not valid UTF-8 are refused rather than replaced,
 * because a replaced character would silently change the AuthMessage both sides sign.
 */
export function decodeScramMessage(message: Buffer | string): string {
  if (typeof message === "string") return message;
  try {
    return UTF8.decode(message);
  } catch {
    throw new ScramError("malformed", "SCRAM message is not valid UTF-8");
  }
}

/** Splits `a=1,b=2` into ordered attributes; the grammar is positional, so order is kept. */
export function parseAttributes(text: string, what: string): ScramAttribute[] {
  if (text.includes("\0")) throw new ScramError("malformed", `malformed ${what}: NUL byte`);
  return text.split(",").map((part) => {
    const match = ATTRIBUTE_PATTERN.exec(part);
    if (!match) throw new ScramError("malformed", `malformed ${what}`);
    return { name: match[1] as string, value: match[2] as string };
  });
}

/** The value of the attribute at `index`, which must carry `name`. */
export function expectAttribute(
  attributes: readonly ScramAttribute[],
  index: number,
  name: string,
  what: string,
): string {
  const attribute = attributes[index];
  if (attribute?.name !== name) {
    throw new ScramError("malformed", `malformed ${what}: expected "${name}=" at position ${index + 1}`);
  }
  return attribute.value;
}

export function isValidNonce(nonce: string): boolean {
  return NONCE_PATTERN.test(nonce);
}
