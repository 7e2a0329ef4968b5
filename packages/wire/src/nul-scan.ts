/** Bytes scanned in JavaScript for a NUL before `Buffer.indexOf` (a native call) takes over. */
const NUL_SCAN_BYTES = 64;

/**
 * The index of the first NUL at or after `from`, or -1. Names (portals, statements) are a few bytes:
 * a loop finds their end sooner than a call into the runtime; longer text is left to memchr.
 */
export function nulAt(bytes: Buffer, from: number): number {
  const scanEnd = Math.min(bytes.length, from + NUL_SCAN_BYTES);
  for (let i = from; i < scanEnd; i += 1) if (bytes[i] === 0) return i;
  return scanEnd === bytes.length ? -1 : bytes.indexOf(0, scanEnd);
}
