/**
 * Slots an emptied queue keeps for the next items: a transaction's few asks. One that grew past
 * this (a long pipeline) is let go when it empties, so a session does not hold its largest batch.
 */
const KEPT_SLOTS = 64;

/**
 * Items taken in the order they were added (the asks the upstream still owes answers to, which it
 * answers in order). Its slots are reused: each transaction's asks go where the last one's were, so
 * a queue that empties every transaction allocates nothing (a new array per transaction, and its
 * growth on the first pushes, were a tenth of a prepared transaction's garbage). A taken slot is
 * cleared at once: nothing answered stays reachable from here.
 */
export class InOrderQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(item: T): void {
    this.items[this.tail] = item;
    this.tail += 1;
  }

  /** The oldest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.head < this.tail ? this.items[this.head] : undefined;
  }

  /** The item `index` places behind the oldest (0: the oldest); undefined past the newest. */
  at(index: number): T | undefined {
    const slot = this.head + index;
    return slot < this.tail ? this.items[slot] : undefined;
  }

  /** Takes the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    this.compact();
    return item;
  }

  /** Back to the first slot once empty; the items left moved down once the taken are most of them. */
  private compact(): void {
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      if (this.items.length > KEPT_SLOTS) this.items = [];
    } else if (this.head > KEPT_SLOTS && this.head * 2 > this.tail) {
      // No per-item splice: one move of the items left, and the slots behind them cleared.
      this.items.copyWithin(0, this.head, this.tail);
      this.items.fill(undefined, this.tail - this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
  }
}
