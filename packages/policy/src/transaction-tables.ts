import type { StatementFacts, TableRef } from "@sluice/sql/facts";
import type { SessionContext } from "./engine";
import { readCall } from "./function-calls";
import { runsCode } from "./unjudged-code";
import { castFunctionsOf } from "./upstream-code";

/**
 * Plain tables this session's open transaction created, which a TABLE rule on writes may let it
 * write although the catalog cannot show them (it is read from another connection, which cannot see
 * into the transaction; write-reach.ts refuses a write to a relation it does not hold).
 * `BEGIN; CREATE TEMP TABLE scratch (…); INSERT INTO scratch …; COMMIT` is what agents do.
 *
 * A table is trusted only while nothing could make a write to it reach another relation:
 *   - its CREATE TABLE is a plain one (`plainTable`: no INHERITS, PARTITION OF, LIKE, foreign key…);
 *     its defaults, checks and generated columns call only built-ins that change nothing (`safe`),
 *     with built-in operators, and its column types run no user code (a domain's CHECK does); no
 *     event trigger runs on the DDL; its name is not `pg_…` (pg_catalog's may be found first);
 *   - no other statement of the transaction created a relation of that name (a TEMP VIEW found
 *     before a public table, a second CREATE of another definition);
 *   - since the transaction began, every statement was one that creates or changes no relation (DML,
 *     SELECT, SET, SAVEPOINT …, or another plain CREATE TABLE) and runs no code nobody judged
 *     (`runsCode`: a trigger, a function allowed only by name). Anything else — DROP, CREATE VIEW,
 *     RULE or TRIGGER, ALTER (RENAME, SET SCHEMA, INHERIT, ATTACH), CREATE TABLE AS, DO, EXECUTE,
 *     ROLLBACK TO (the table may be gone), COMMIT — ends all trust until the transaction ends.
 * The transaction ends, for this tracking, when a statement comes with the upstream idle (the
 * server's ReadyForQuery said no transaction is open and nothing is in flight): whatever it created
 * is then committed, and the catalog read shows it, or gone.
 *
 * Statements are judged before they run and a message's statements together, so each is judged by
 * the trust the statements before it leave (`CREATE TEMP TABLE s …; INSERT INTO s …` in one Query;
 * an INSERT before the CREATE in the same message gets none). A CREATE judged but never run (a
 * refused message, a Parse never executed) leaves trust in a name nothing holds: a relation of that
 * name made later is made by a statement this tracking sees (and it ends trust) or committed by
 * another connection, which the catalog read before the write shows.
 */
export class TransactionTables {
  /** Plain tables by name, with each CREATE TABLE statement that made one of that name. */
  private readonly created = new Map<string, { schema: string | null; statements: Set<StatementFacts> }>();
  /**
   * Names the transaction may have given a relation the catalog does not show as it now is: made
   * here other than as a trusted plain table, or changed by ALTER TABLE naming another relation
   * (`INHERIT events`); `*` once a RENAME may have moved any of those to any name. A write to one is
   * refused even when the catalog holds a relation of the name (a temporary view is found first).
   */
  private readonly madeHere = new Set<string>();
  private isUntrusted = false;
  private view: NewTables = NO_NEW_TABLES;

  /** The trust the statements of the message judged last were judged with. */
  get current(): NewTables {
    return this.view;
  }

  /** The upstream is idle outside a transaction: what the last one created is committed or gone. */
  transactionEnded(): void {
    // Called for every statement that comes with the upstream idle, and V8 gives even an empty Map
    // or Set a new table on clear(): ~70 ns and garbage per statement for nothing to forget.
    if (this.created.size > 0) this.created.clear();
    if (this.madeHere.size > 0) this.madeHere.clear();
    this.isUntrusted = false;
    this.view = NO_NEW_TABLES;
  }

  /** Takes in one message's statements, in order, under the catalog `session` judges them with. */
  absorb(statements: readonly StatementFacts[], session: SessionContext): NewTables {
    const before = new Map<StatementFacts, ReadonlyMap<string, string | null>>();
    for (const facts of statements) {
      const trusted = this.trusted();
      const earlier = before.get(facts);
      // The same statement twice in one message: only what both points trust.
      before.set(facts, earlier ? intersect(earlier, trusted) : trusted);
      this.take(facts, session);
    }
    const madeHere = this.madeHere.size > 0 ? new Set(this.madeHere) : null;
    this.view = {
      isMadeHere: (table) => madeHere !== null && (madeHere.has("*") || madeHere.has(table.name)),
      trusts: (facts, table) => {
        const trusted = before.get(facts)?.get(table.name);
        if (trusted === undefined) return false;
        // Written as created, or bare for a temporary or unqualified one (found first: no other
        // relation of the name is in the catalog, or the write would not be asked about).
        return (
          table.schema === trusted || (table.schema === null && (trusted === null || trusted === "pg_temp"))
        );
      },
    };
    return this.view;
  }

  private take(facts: StatementFacts, session: SessionContext): void {
    const plain = facts.plainTable && isPlainCreate(facts, session) ? facts.plainTable : null;
    if (!plain) this.noteMadeHere(facts);
    if (this.isUntrusted) return;
    if (plain) {
      const entry = this.created.get(plain.name) ?? { schema: plain.schema, statements: new Set() };
      entry.statements.add(facts);
      this.created.set(plain.name, entry);
      return;
    }
    if (
      facts.kinds.every((kind) => NEUTRAL_KINDS.has(kind)) &&
      !facts.serverFileAccess &&
      !runsCode(facts, session)
    )
      return;
    this.isUntrusted = true;
    this.created.clear();
  }

  private noteMadeHere(facts: StatementFacts): void {
    if (CREATING_KINDS.has(facts.kind) || facts.kinds.includes("SELECT INTO")) {
      for (const table of facts.tablesWritten) this.madeHere.add(table.name);
    } else if (facts.kind === "RENAME" && this.madeHere.size > 0) {
      this.madeHere.add("*");
    } else if (facts.kind === "ALTER TABLE" && facts.tablesRead.length > 0) {
      for (const table of [...facts.tablesWritten, ...facts.tablesRead]) this.madeHere.add(table.name);
    }
  }

  private trusted(): ReadonlyMap<string, string | null> {
    const out = new Map<string, string | null>();
    if (this.isUntrusted) return out;
    // One CREATE statement per name (the same one judged twice, at Parse and Bind, is one).
    for (const [name, entry] of this.created) if (entry.statements.size === 1) out.set(name, entry.schema);
    return out;
  }
}

/**
 * What a write-reach decision asks: is this table, written by this statement, a trusted plain
 * table; may its name stand for a relation this transaction made or changed (see `madeHere`)?
 */
export type NewTables = {
  trusts: (facts: StatementFacts, table: TableRef) => boolean;
  isMadeHere: (table: TableRef) => boolean;
};

export const NO_NEW_TABLES: NewTables = { trusts: () => false, isMadeHere: () => false };

/** Kinds that make a relation of the name they write (CREATE MATERIALIZED VIEW reads as CREATE TABLE AS). */
const CREATING_KINDS = new Set([
  "CREATE TABLE",
  "CREATE TABLE AS",
  "SELECT INTO",
  "CREATE VIEW",
  "CREATE SEQUENCE",
  "CREATE FOREIGN TABLE",
]);

/**
 * Kinds that create, drop, rename or re-attach no relation and run no code beyond what their facts
 * show (`runsCode` judges that). ROLLBACK (also ROLLBACK TO), COMMIT and the other transaction ends
 * are not among them: what follows in the same message is judged before the catalog can show what
 * they committed or undid. EXECUTE runs a statement prepared earlier; DISCARD drops temporary tables.
 */
const NEUTRAL_KINDS = new Set([
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "MERGE",
  "COPY",
  "TRUNCATE",
  "EXPLAIN",
  "SHOW",
  "SET",
  "RESET",
  "BEGIN",
  "SAVEPOINT",
  "RELEASE",
  "PREPARE",
  "DEALLOCATE",
  "LISTEN",
  "UNLISTEN",
  "NOTIFY",
  "LOCK",
]);

/**
 * A CREATE TABLE whose writes run only code the gateway knows changes nothing: built-in functions
 * of the `safe` class (not nextval of another table's sequence), built-in operators, column and cast
 * types with no user input function or domain CHECK (`castFunctions` of the code catalog), no event
 * trigger; without the code catalog nothing can be told, so nothing is trusted.
 */
function isPlainCreate(facts: StatementFacts, session: SessionContext): boolean {
  const code = session.upstreamCode;
  const plain = facts.plainTable;
  if (!code || !plain || plain.name.startsWith("pg_")) return false;
  if (facts.settings.length > 0 || facts.opaque.length > 0 || facts.tablesRead.length > 0) return false;
  if (runsCode(facts, session)) return false;
  const isCatalogFirst = !session.searchPath.includes("pg_catalog") && !session.isPathComputed;
  for (const call of facts.functionCalls) {
    const reading = readCall(call, isCatalogFirst, code);
    if (reading.kind !== "known" || reading.cls !== "safe") return false;
  }
  return plain.columnTypes.every((type) => castFunctionsOf(code, type).length === 0);
}

function intersect(
  a: ReadonlyMap<string, string | null>,
  b: ReadonlyMap<string, string | null>,
): ReadonlyMap<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [name, schema] of a) if (b.has(name) && b.get(name) === schema) out.set(name, schema);
  return out;
}
