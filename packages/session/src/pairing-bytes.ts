import { ClientCode } from "@sluice/wire/client-codes";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { nulAt } from "@sluice/wire/nul-scan";
import { TargetCode } from "@sluice/wire/server-codes";

/** A Bind's result formats when it names none (all text), shared rather than made per Bind. */
export const NO_FORMATS: readonly number[] = Object.freeze([]);

/**
 * The fields of client messages the response pairing reads straight from their bytes (names, a
 * Bind's result formats), and the Describe it asks for itself. Read in place: every message of every
 * transaction passes through the pairing.
 */

/** The NUL-terminated name at `offset` (to the end when the NUL is missing). */
export function cstringAt(raw: Buffer, offset: number): string {
  const end = nulAt(raw, offset);
  return textAt(raw, offset, end < 0 ? raw.length : end);
}

/** `raw[start..end]` as UTF-8: the unnamed portal and statement, the usual names, without a call. */
export function textAt(raw: Buffer, start: number, end: number): string {
  return end === start ? "" : raw.toString("utf8", start, end);
}

/**
 * Whether `bytes[start..end]` holds exactly `expected`: a description is a few dozen bytes, which a
 * loop compares sooner than a call into the runtime.
 */
export function isSameBytesAt(expected: Buffer, bytes: Buffer, start: number, end: number): boolean {
  if (expected.length !== end - start) return false;
  for (let i = 0; i < expected.length; i += 1) if (expected[i] !== bytes[start + i]) return false;
  return true;
}

/** The result format codes at the end of a Bind, after its parameter formats and values. */
export function bindResultFormats(raw: Buffer, offset: number): readonly number[] {
  let at = offset;
  const paramFormats = raw.readInt16BE(at);
  at += 2 + 2 * paramFormats;
  const params = raw.readInt16BE(at);
  at += 2;
  for (let i = 0; i < params; i++) {
    const length = raw.readInt32BE(at);
    at += 4 + Math.max(length, 0);
  }
  const count = raw.readInt16BE(at);
  if (count === 0) return NO_FORMATS;
  const formats: number[] = [];
  for (let i = 0; i < count; i++) formats.push(raw.readInt16BE(at + 2 + 2 * i));
  return formats;
}

/** Describe('P', name), built from the Execute's own name bytes. */
export function describePortalBytes(execute: Buffer, name: string): Buffer {
  const nameBytes = Buffer.byteLength(name, "utf8");
  const out = Buffer.alloc(1 + 4 + 1 + nameBytes + 1);
  out[0] = ClientCode.Describe;
  out.writeInt32BE(out.length - 1, 1);
  out[TAGGED_HEADER_BYTES] = TargetCode.Portal;
  execute.copy(out, TAGGED_HEADER_BYTES + 1, TAGGED_HEADER_BYTES, TAGGED_HEADER_BYTES + nameBytes);
  out[out.length - 1] = 0;
  return out;
}
