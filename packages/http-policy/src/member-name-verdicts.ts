import { maskDetected } from "@sluice/masking/content-masker";
import type { RuleNode } from "./pointer-rule-tree";
import type { ResponseMasking } from "./value-masking";

/**
 * Member names remembered, and the longest one remembered: a body of alike records repeats a few
 * names, which need not be decoded or scanned again; a long or one-off name is read each time.
 */
const REMEMBERED_NAMES = 4096;
const REMEMBERED_NAME_MAX_BYTES = 64;

/**
 * A member name read before: its text (one string for every time it recurs) and its verdict. A
 * remembered one also has its quoted bytes and two hints, which are only ever checked, never
 * trusted: the name that followed it in the last object it was read in (records repeat their
 * members in one order), and the rule node it was last a member of, under which parent.
 */
export type KnownName = {
  name: string;
  verdict: string | null;
  /** The quoted, escape-free bytes it is found by; null when it is not remembered. */
  bytes: Buffer | null;
  next: KnownName | null;
  memberOf: RuleNode | null;
  member: RuleNode | null;
};

/**
 * The content detectors' verdict on member names, per response (the rules do not change within
 * one), found again by the name's bytes: a name seen before is neither decoded nor scanned.
 */
export class MemberNameVerdicts {
  /** By a hash of the quoted name's bytes; a colliding name is simply read each time. */
  private readonly byHash = new Map<number, KnownName>();
  /** Per nesting depth, the first name of the last object read there: the guess for the next one's. */
  private readonly firstAt: (KnownName | null)[] = [];

  constructor(private readonly masking: ResponseMasking) {}

  /**
   * The name whose quoted, escape-free bytes are source[from, to), if it was remembered. Only for
   * names whose bytes are their text (no escapes): `"\u0061"` must not be found as `"a"`'s bytes.
   * `previous` is the name before it in its object (null for the first, at `depth`): the name that
   * followed that one last time is compared first, so a record's names cost no hash and no lookup.
   */
  known(
    source: Uint8Array,
    from: number,
    to: number,
    previous: KnownName | null,
    depth: number,
  ): KnownName | null {
    const guess = previous === null ? this.firstAt[depth] : previous.next;
    if (guess && isSameBytes(guess.bytes as Buffer, source, from, to)) return guess;
    if (to - from > REMEMBERED_NAME_MAX_BYTES) return null;
    const found = this.byHash.get(hashOf(source, from, to));
    if (!found || !isSameBytes(found.bytes as Buffer, source, from, to)) return null;
    this.follows(found, previous, depth);
    return found;
  }

  /** A name not found by `known`: scanned, and remembered by its bytes when they can find it again. */
  read(
    name: string,
    source: Uint8Array,
    from: number,
    to: number,
    isRememberable: boolean,
    previous: KnownName | null,
    depth: number,
  ): KnownName {
    const masked = maskDetected(name, this.masking.detectors, this.masking.hashKey);
    const read: KnownName = {
      name,
      verdict: masked === null ? null : JSON.stringify(masked),
      bytes: null,
      next: null,
      memberOf: null,
      member: null,
    };
    if (isRememberable && to - from <= REMEMBERED_NAME_MAX_BYTES && this.byHash.size < REMEMBERED_NAMES) {
      const hash = hashOf(source, from, to);
      if (!this.byHash.has(hash)) {
        read.bytes = Buffer.from(source.subarray(from, to));
        this.byHash.set(hash, read);
        this.follows(read, previous, depth);
      }
    }
    return read;
  }

  /** Remembers `name` as the one that came after `previous` (or first at `depth`). */
  private follows(name: KnownName, previous: KnownName | null, depth: number): void {
    if (previous === null) this.firstAt[depth] = name;
    else if (previous.bytes !== null) previous.next = name;
  }
}

function isSameBytes(bytes: Buffer, source: Uint8Array, from: number, to: number): boolean {
  if (bytes.length !== to - from) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== source[from + i]) return false;
  return true;
}

/** FNV-1a over the bytes, kept to 30 bits (a small integer) so the map's keys stay cheap. */
function hashOf(source: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ (source[i] as number), 0x01000193);
  return hash & 0x3fffffff;
}
