import { maskDetected } from "@sluice/masking/content-masker";
import type { ResponseMasking } from "../../src/value-masking";

/**
 * Member names remembered, and the longest one remembered: a body of alike records repeats a few
 * names, which need not be decoded or scanned again; a long or one-off name is read each time.
 */
const REMEMBERED_NAMES = 4096;
const REMEMBERED_NAME_MAX_BYTES = 64;

/** A member name read before: its text (one string for every time it recurs) and its verdict. */
export type KnownName = { name: string; verdict: string | null };

type Remembered = KnownName & { bytes: Buffer };

/**
 * The content detectors' verdict on member names, per response (the rules do not change within
 * one), found again by the name's bytes: a name seen before is neither decoded nor scanned.
 */
export class MemberNameVerdicts {
  /** By a hash of the quoted name's bytes; a colliding name is simply read each time. */
  private readonly byHash = new Map<number, Remembered>();

  constructor(private readonly masking: ResponseMasking) {}

  /**
   * The name whose quoted, escape-free bytes are source[from, to), if it was remembered. Only for
   * names whose bytes are their text (no escapes): `"\u0061"` must not be found as `"a"`'s bytes.
   */
  known(source: Uint8Array, from: number, to: number): KnownName | null {
    if (to - from > REMEMBERED_NAME_MAX_BYTES) return null;
    const found = this.byHash.get(hashOf(source, from, to));
    if (!found || found.bytes.length !== to - from) return null;
    const bytes = found.bytes;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== source[from + i]) return null;
    return found;
  }

  /** A name not found by `known`: scanned, and remembered by its bytes when they can find it again. */
  read(name: string, source: Uint8Array, from: number, to: number, isRememberable: boolean): KnownName {
    const masked = maskDetected(name, this.masking.detectors, this.masking.hashKey);
    const read = { name, verdict: masked === null ? null : JSON.stringify(masked) };
    if (isRememberable && to - from <= REMEMBERED_NAME_MAX_BYTES && this.byHash.size < REMEMBERED_NAMES) {
      const hash = hashOf(source, from, to);
      if (!this.byHash.has(hash))
        this.byHash.set(hash, { ...read, bytes: Buffer.from(source.subarray(from, to)) });
    }
    return read;
  }
}

/** FNV-1a over the bytes, kept to 30 bits (a small integer) so the map's keys stay cheap. */
function hashOf(source: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ (source[i] as number), 0x01000193);
  return hash & 0x3fffffff;
}
