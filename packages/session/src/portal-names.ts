/**
 * The portals open on the server, by name. The unnamed portal, which nearly every Bind creates, is
 * kept apart from the Map: one entry set and cleared per transaction gave the Map a new hash table
 * each time (V8 makes one on clear, and on a delete that empties it).
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */
export class PortalNames<T extends object> {
  private unnamed: T | undefined = undefined;
  private readonly named = new Map<string, T>();

  get(name: string): T | undefined {
    return name === "" ? this.unnamed : this.named.get(name);
  }

  set(name: string, portal: T): void {
    if (name === "") this.unnamed = portal;
    else this.named.set(name, portal);
  }

  delete(name: string): void {
    if (name === "") this.unnamed = undefined;
    else this.named.delete(name);
  }

  /** How many portals are open, the unnamed one included. */
  get size(): number {
    return this.named.size + (this.unnamed === undefined ? 0 : 1);
  }

  /** Every open portal, the unnamed one included (a SQL FETCH may read any of them). */
  *values(): IterableIterator<T> {
    if (this.unnamed !== undefined) yield this.unnamed;
    yield* this.named.values();
  }

  /** The transaction ended, or SQL may have closed any portal: none is known any more. */
  clear(): void {
    this.unnamed = undefined;
    // Only a Map that holds something is cleared (clear makes even an empty Map a new table).
    if (this.named.size > 0) this.named.clear();
  }
}
