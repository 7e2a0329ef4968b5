import { nativeKeyedHash } from "./native-keyed-hash";
import { HASH_PLACEHOLDER_BYTES, REDACTED_TEXT } from "./strategies";

/**
 * `maskRows(program, data, start, end, out, at, state)` of native/mask_rows.c: masks the DataRows
 * at data[start..end] into out[at..] and returns a MASK_ROWS_STATUS; `state` (MASK_ROWS_STATE)
 * says where it stopped and why.
 */
export type MaskRows = (
  program: Int32Array,
  data: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  state: Int32Array,
) => number;

/** The same numbers as native/mask_rows.c. */
export const MASK_ROWS_STATUS = { DONE: 0, NEED_ROOM: 1, MALFORMED: 2, NEEDS_JS: 3 } as const;
export const MASK_ROWS_STATE = { IN: 0, OUT: 1, DETAIL: 2, COLUMN: 3, LENGTH: 4, SLOTS: 5 } as const;
/** MALFORMED's reasons (state[DETAIL]), in maskDataRowInto's order of checks. */
export const MALFORMED_WHY = { SHORT: 1, LENGTH: 2, COLUMN_START: 3, COLUMN_LENGTH: 4, UNFILLED: 5 } as const;

const REDACTED = Buffer.from(REDACTED_TEXT);
const maskers = new WeakMap<Buffer, MaskRows>();
let lastKey: Buffer | null = null;
let lastMasker: MaskRows | null = null;
let isAllowed = true;

/**
 * Whether rows may be masked natively (the keyed hash's own switch, SLUICE_NATIVE_HASH, turns the
 * whole module off); tests turn it off to read the JavaScript path on the same build.
 */
export function allowNativeRowMasking(allowed: boolean): void {
  isAllowed = allowed;
  lastKey = null;
  lastMasker = null;
}

/** The native row masker for one hash key, or null: not built, too old, or not allowed. */
export function nativeRowMaskerFor(hashKey: Buffer): MaskRows | null {
  if (hashKey === lastKey) return lastMasker;
  const create = isAllowed ? nativeKeyedHash()?.createRowMasker : undefined;
  let masker: MaskRows | null = null;
  if (create) {
    masker = maskers.get(hashKey) ?? create(hashKey, HASH_PLACEHOLDER_BYTES, REDACTED);
    maskers.set(hashKey, masker);
  }
  lastKey = hashKey;
  lastMasker = masker;
  return masker;
}
