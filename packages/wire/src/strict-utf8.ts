import { WireError } from "./wire-error";

/**
 * Text the client sends is read as PostgreSQL reads it in a UTF8 session: every byte sequence
 * must be valid UTF-8, or the message is refused with the server's own error. A lenient decoder
 * would turn bytes it cannot read into U+FFFD and judge a different statement from the one the
 * server runs; the gateway pins client_encoding to UTF8 so that this is the only reading.
 * @see https://github.com/postgres/postgres/blob/master/src/common/wchar.c (pg_utf8_islegal, pg_verify_mbstr)
 * @see https://github.com/postgres/postgres/blob/master/src/backend/utils/mb/mbutils.c (report_invalid_encoding)
 */
const FATAL_DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** At most this many bytes are quoted in the error, as report_invalid_encoding quotes them. */
const MAX_QUOTED_BYTES = 8;

/**
 * The bytes as a string, or a WireError 22021 worded as the server words it. NUL is invalid too:
 * pg_verify_mbstr refuses it inside text (a C string cannot hold it).
 */
export function decodeUtf8Strict(bytes: Buffer, start = 0, end = bytes.length): string {
  // Plain ASCII (statement and portal names, most SQL) is its own text: no decoder, no view.
  if (asciiEnd(bytes, start, end) === end) return bytes.toString("latin1", start, end);
  const view = bytes.subarray(start, end);
  const bad = firstInvalidUtf8(view);
  if (bad >= 0) throw invalidByteSequence(view, bad);
  // The scan above is the authority (it is PostgreSQL's); the fatal decoder only converts.
  return FATAL_DECODER.decode(view);
}

/**
 * Throws the WireError 22021 `decodeUtf8Strict` would, without making the string: for values that
 * are checked here and read as text only by the server (a Bind's text parameters).
 */
export function assertUtf8Strict(bytes: Buffer, start = 0, end = bytes.length): void {
  if (asciiEnd(bytes, start, end) === end) return;
  const view = bytes.subarray(start, end);
  const bad = firstInvalidUtf8(view);
  if (bad >= 0) throw invalidByteSequence(view, bad);
}

/** Where the run of ASCII other than NUL that starts at `start` ends (`end` when it reaches it). */
function asciiEnd(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const byte = bytes[i] as number;
    if (byte === 0 || byte >= 0x80) return i;
    i += 1;
  }
  return i;
}

/** Offset of the first byte that starts an invalid sequence (or a NUL), or -1 when all is valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead === 0) return i;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length = utf8SequenceLength(lead);
    if (length === 1 || i + length > bytes.length || !isLegalUtf8(bytes, i, length)) return i;
    i += length;
  }
  return -1;
}

/** pg_utf_mblen: the length a lead byte announces (1 for a byte that cannot lead). */
function utf8SequenceLength(lead: number): number {
  if ((lead & 0xe0) === 0xc0) return 2;
  if ((lead & 0xf0) === 0xe0) return 3;
  if ((lead & 0xf8) === 0xf0) return 4;
  return 1;
}

/** pg_utf8_islegal: no overlong forms, no surrogates, nothing past U+10FFFF. */
function isLegalUtf8(bytes: Uint8Array, at: number, length: number): boolean {
  const lead = bytes[at] as number;
  for (let k = 1; k < length; k++) {
    const next = bytes[at + k] as number;
    if (next < 0x80 || next > 0xbf) return false;
  }
  const second = bytes[at + 1] as number;
  if (length === 2) return lead >= 0xc2;
  if (length === 3) {
    if (lead === 0xe0) return second >= 0xa0;
    if (lead === 0xed) return second <= 0x9f;
    return true;
  }
  if (lead === 0xf0) return second >= 0x90;
  if (lead === 0xf4) return second <= 0x8f;
  return lead < 0xf4;
}

function invalidByteSequence(bytes: Uint8Array, at: number): WireError {
  const quoted = Math.min(utf8SequenceLength(bytes[at] as number), bytes.length - at, MAX_QUOTED_BYTES);
  const hex = Array.from(
    bytes.subarray(at, at + quoted),
    (byte) => `0x${byte.toString(16).padStart(2, "0")}`,
  );
  return new WireError(`invalid byte sequence for encoding "UTF8": ${hex.join(" ")}`, "22021");
}
