/** Names longer than this are decoded every time: statement and portal names are a few bytes. */
const MAX_NAME_BYTES = 64;
/** Names kept at once: a client's prepared statements in turn, a few at a time, replaced in turn. */
const NAME_SLOTS = 8;

/**
 * The texts of the short names one connection sends again and again (a prepared statement's name,
 * with every Bind), each kept beside its bytes: a name whose bytes equal a kept name's is that text,
 * found by a loop over a few bytes instead of a call into the runtime for a new string (two of them
 * per Bind were a tenth of the relay's work on a prepared transaction). Only a text decoded from
 * exactly those bytes is kept, by the same decoder the caller uses, so a name found here is the
 * string that decoder would have made. One per connection and direction (see STYLE: no shared
 * per-connection state).
 */
export class NameMemo {
  private readonly bytes = Buffer.alloc(NAME_SLOTS * MAX_NAME_BYTES);
  /** Each slot's name length, -1 while empty. */
  private readonly lengths = new Int32Array(NAME_SLOTS).fill(-1);
  private readonly texts: string[] = new Array<string>(NAME_SLOTS).fill("");
  /** The slot the next new name replaces. */
  private nextSlot = 0;

  /** The kept text of the name at `source[start..end]`, or null when none is kept for those bytes. */
  find(source: Uint8Array, start: number, end: number): string | null {
    const length = end - start;
    if (length > MAX_NAME_BYTES) return null;
    for (let slot = 0; slot < NAME_SLOTS; slot += 1) {
      if (this.lengths[slot] === length && this.holds(slot, source, start, length))
        return this.texts[slot] as string;
    }
    return null;
  }

  /** Keeps `text`, decoded from exactly `source[start..end]`, in place of the oldest name kept. */
  keep(source: Uint8Array, start: number, end: number, text: string): void {
    const length = end - start;
    if (length > MAX_NAME_BYTES) return;
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % NAME_SLOTS;
    this.bytes.set(source.subarray(start, end), slot * MAX_NAME_BYTES);
    this.lengths[slot] = length;
    this.texts[slot] = text;
  }

  private holds(slot: number, source: Uint8Array, start: number, length: number): boolean {
    const bytes = this.bytes;
    const at = slot * MAX_NAME_BYTES;
    for (let i = 0; i < length; i += 1) if (bytes[at + i] !== source[start + i]) return false;
    return true;
  }
}
