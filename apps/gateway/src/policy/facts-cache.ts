import type { ParsedStatements } from "@sluice/sql/facts";
import { parseStatements } from "@sluice/sql/parser";

/** Agents repeat statements; parsing is the expensive part of a decision, so its result is kept. */
export const FACTS_CACHE_ENTRIES = 10_000;
/** Huge statements are rare and would crowd the cache; they are parsed every time. */
export const FACTS_CACHE_MAX_SQL_CHARS = 16 * 1024;

/**
 * A bounded LRU of statement text → facts. Facts depend only on the text (never on policy or
 * session), so entries stay valid across policy changes.
 */
export class FactsCache {
  private readonly entries = new Map<string, ParsedStatements>();

  parse(sql: string): ParsedStatements {
    const cached = this.entries.get(sql);
    if (cached) {
      this.entries.delete(sql);
      this.entries.set(sql, cached);
      return cached;
    }
    const parsed = parseStatements(sql);
    if (sql.length <= FACTS_CACHE_MAX_SQL_CHARS) {
      this.entries.set(sql, parsed);
      if (this.entries.size > FACTS_CACHE_ENTRIES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return parsed;
  }

  get size(): number {
    return this.entries.size;
  }
}
