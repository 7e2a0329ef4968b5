import type { ParsedStatements } from "@sluice/sql/facts";
import { normalizeStatement } from "@sluice/sql/normalize";
import { parseStatements as parsePostgres } from "@sluice/sql/parser";
import { agreesWithNormalized, quickShape } from "@sluice/sql/quick-shape";

/** Agents repeat statements; parsing is the expensive part of a decision, so its result is kept. */
export const FACTS_CACHE_ENTRIES = 10_000;
/** Huge statements are rare and would crowd the cache; they are parsed every time. */
export const FACTS_CACHE_MAX_SQL_CHARS = 16 * 1024;

/** Statements longer than this are parsed off the event loop when the cache has a pool to offload to. */
export const OFFLOAD_ABOVE_SQL_CHARS = 64 * 1024;

/** Parses statements elsewhere (the gateway's worker threads); rejects when it cannot (fail closed). */
export type ParseOffloader = { parse: (sql: string) => Promise<ParsedStatements> };

export type FactsCacheOptions = {
  /**
   * PostgreSQL's parser and normalizer by default; another data path (MySQL) passes its own parser
   * and a null normalizer, since PostgreSQL's lexer would not find its literals' ends.
   */
  parseStatements?: (sql: string) => ParsedStatements;
  normalize?: ((sql: string) => string | null) | null;
  /**
   * The shape read without WebAssembly (`quickShape`), trusted once it agrees with `normalize`; the
   * default with PostgreSQL's normalizer, off (null) with any other.
   */
  quickShape?: ((sql: string) => string | null) | null;
  offload?: ParseOffloader;
  /** Defaults to OFFLOAD_ABOVE_SQL_CHARS. */
  offloadAboveChars?: number;
};

/**
 * Bounded caches of statement → facts. Facts depend only on the text (never on policy or session),
 * so entries stay valid across policy changes. Agents often repeat one statement with different
 * constants (`WHERE id = 42`), so facts are also kept under the normalized text — but only facts
 * that no constant can change: a statement that sets a setting, names a server file, or updates or
 * deletes rows (whether its condition limits them can turn on a constant: `LIKE 'pa%'` does,
 * `LIKE '%'` does not) is keyed by its exact text alone. So is a message of several statements:
 * where each statement after the first starts (`byteOffset`, the text a refusal lets run first)
 * moves with the length of every literal before it.
 *
 * Normalizing in WebAssembly costs more than the rest of a cached decision, so the shape is first
 * read by a small lexer in JavaScript (`@sluice/sql/quick-shape`). Its shape is trusted only after
 * PostgreSQL's normalizer replaced exactly the literals it marked; a shape they disagree on (a literal the grammar reads as a raw token, like `float(10)`)
 * keeps taking the slow path, every time.
 *
 * Most shapes an agent sends come once, and for those the normalizer is work thrown away (about a
 * third of a never-seen statement's decision). So the first statement of a quick shape is parsed
 * without it, its facts set aside unconfirmed. When a second statement of that shape comes, both are
 * normalized: the first one's facts stand for the shape only if the normalizer agrees with the quick
 * shape and gives both texts one normalized form, the same guarantee as checking the first alone.
 */
export class FactsCache {
  private readonly exact = new BoundedMap<ParsedStatements>(FACTS_CACHE_ENTRIES);
  private readonly normalized = new BoundedMap<ParsedStatements>(FACTS_CACHE_ENTRIES);
  /** Facts by quick shape; only shapes the normalizer agreed with, and only constant-independent facts. */
  private readonly quick = new BoundedMap<ParsedStatements>(FACTS_CACHE_ENTRIES);
  /** The first statement of a quick shape and its facts, never served for another until the normalizer agrees. */
  private readonly unconfirmed = new BoundedMap<{ sql: string; parsed: ParsedStatements }>(
    FACTS_CACHE_ENTRIES,
  );

  private readonly parseStatements: (sql: string) => ParsedStatements;
  private readonly normalize: ((sql: string) => string | null) | null;
  private readonly quickShape: ((sql: string) => string | null) | null;

  constructor(private readonly options: FactsCacheOptions = {}) {
    this.parseStatements = options.parseStatements ?? parsePostgres;
    this.normalize = options.normalize === undefined ? normalizeStatement : options.normalize;
    const isPostgresShape = options.normalize === undefined;
    this.quickShape =
      options.quickShape === undefined ? (isPostgresShape ? quickShape : null) : options.quickShape;
  }

  /**
   * Like `parse`, but a statement above the offload threshold is parsed by the offloader, so one
   * session's megabytes of SQL never stall the others. Such statements are never cached (above
   * FACTS_CACHE_MAX_SQL_CHARS) and carry no parse tree, so their column lineage is unknown.
   */
  parseOffLoop(sql: string): ParsedStatements | Promise<ParsedStatements> {
    const offload = this.options.offload;
    if (offload && sql.length > (this.options.offloadAboveChars ?? OFFLOAD_ABOVE_SQL_CHARS)) {
      return offload.parse(sql);
    }
    return this.parse(sql);
  }

  parse(sql: string): ParsedStatements {
    const cached = this.exact.get(sql);
    if (cached) return cached;
    if (sql.length > FACTS_CACHE_MAX_SQL_CHARS) return this.parseStatements(sql);
    const quick = this.quickShape && this.normalize ? this.quickShape(sql) : null;
    if (quick === null) return this.byNormalizedShape(sql, this.normalize ? this.normalize(sql) : null);
    const byQuickShape = this.quick.get(quick);
    if (byQuickShape) return byQuickShape;
    const first = this.unconfirmed.get(quick);
    if (!first) {
      const parsed = this.parseExact(sql);
      if (isConstantIndependent(parsed)) this.unconfirmed.set(quick, { sql, parsed });
      return parsed;
    }
    const normalize = this.normalize as (sql: string) => string | null;
    const shape = normalize(sql);
    if (shape !== null && agreesWithNormalized(quick, shape) && normalize(first.sql) === shape) {
      // Only constant-independent facts are set aside, so they may stand for the shape.
      this.quick.set(quick, first.parsed);
      this.normalized.set(shape, first.parsed);
      return first.parsed;
    }
    return this.byNormalizedShape(sql, shape);
  }

  /** The slow path: facts kept under PostgreSQL's normalized text (`shape`), or parsed. */
  private byNormalizedShape(sql: string, shape: string | null): ParsedStatements {
    const byShape = shape === null ? undefined : this.normalized.get(shape);
    if (byShape) return byShape;
    const parsed = this.parseExact(sql);
    if (shape !== null && isConstantIndependent(parsed)) this.normalized.set(shape, parsed);
    return parsed;
  }

  private parseExact(sql: string): ParsedStatements {
    const parsed = this.parseStatements(sql);
    this.exact.set(sql, parsed);
    return parsed;
  }
}

/** Kinds whose MISSING_WHERE judgement can read a constant (a MERGE's actions are reported as these). */
const WRITE_SCOPE_KINDS = new Set(["UPDATE", "DELETE"]);

function isConstantIndependent(parsed: ParsedStatements): boolean {
  return (
    parsed.ok &&
    // A second statement's byteOffset is the text's own (a shorter literal before it moves it).
    parsed.statements.length === 1 &&
    parsed.statements.every(
      (facts) =>
        facts.settings.length === 0 &&
        !facts.serverFileAccess &&
        !facts.readsPositions &&
        !facts.kinds.some((kind) => WRITE_SCOPE_KINDS.has(kind)),
    )
  );
}

/**
 * Insertion-ordered map that drops the oldest half when full. Cheaper than a strict LRU on V8,
 * where deleting from the front of a Map and re-reading its first key degrades with holes.
 */
class BoundedMap<V> {
  private entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.capacity) {
      this.entries = new Map([...this.entries].slice(this.capacity / 2));
    }
    this.entries.set(key, value);
  }
}
