import type { PreparedRecord } from "./relay-verdicts";

/**
 * The statements a session prepared, by name, with what each was judged as; and the Parses sent
 * upstream that the server has not confirmed yet. A Parse the server refuses (a name that exists)
 * leaves the statement it had, so the relay must not trust a record until its ParseComplete.
 */
export class PreparedStatements {
  /** Prepared statements by name, with the policy version their Parse was judged under. */
  private readonly statements = new Map<string, PreparedRecord>();
  /**
   * Parses sent upstream the server has not answered with ParseComplete yet, and the record each
   * replaced: a Parse the server refuses (a name that exists) leaves the statement it had.
   */
  private readonly unconfirmed: { name: string; previous: PreparedRecord | undefined; batch: number }[] = [];

  get(name: string): PreparedRecord | undefined {
    return this.statements.get(name);
  }

  set(name: string, record: PreparedRecord): void {
    this.statements.set(name, record);
  }

  delete(name: string): void {
    this.statements.delete(name);
  }

  /**
   * SQL dropped these statements (DEALLOCATE, DISCARD ALL): a SQL PREPARE may give the name to
   * another statement, which a Bind must not run as the one judged at its Parse.
   */
  forget(names: readonly string[] | "all"): void {
    if (names === "all") this.statements.clear();
    else for (const name of names) this.statements.delete(name);
  }

  /** A Parse of `name` went upstream in `batch`: until confirmed, what it replaced is kept. */
  noteSentParse(name: string, batch: number): void {
    // The unnamed statement is dropped before a Parse replaces it, so a refused one leaves none.
    const previous = name === "" ? undefined : this.statements.get(name);
    this.unconfirmed.push({ name, previous, batch });
  }

  /** The server answered the oldest unconfirmed Parse with ParseComplete. */
  confirmOldest(): void {
    this.unconfirmed.shift();
  }

  /** Parses of a finished batch the server never confirmed: the statement is what it was before. */
  forgetRefusedParses(batch: number): void {
    while (this.unconfirmed.length > 0 && (this.unconfirmed[0]?.batch ?? Infinity) <= batch) {
      const refused = this.unconfirmed.shift();
      if (!refused) break;
      if (refused.previous) this.statements.set(refused.name, refused.previous);
      else this.statements.delete(refused.name);
    }
  }
}
