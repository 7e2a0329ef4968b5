import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import type { SessionContext } from "./engine";

/** Bounds per-session memory: an agent preparing statements in a loop cannot grow the gateway. */
export const MAX_PREPARED_PER_SESSION = 1000;

/**
 * What earlier allowed statements taught the engine about this session: the schemas its
 * search_path has held (a union, so a later SET never hides an earlier candidate) and what it has
 * PREPAREd. Updated only after a statement is allowed.
 */
export class PolicySessionState implements SessionContext {
  private readonly schemas: string[];
  readonly prepared = new Map<string, StatementFacts[]>();
  readonly implicitSchemas: Set<string>;

  constructor(private readonly upstreamUser: string) {
    this.schemas = [upstreamUser, "public"];
    this.implicitSchemas = new Set([upstreamUser]);
  }

  get searchPath(): readonly string[] {
    return this.schemas;
  }

  /** A stable key for caches: verdicts depend on the search path. */
  get cacheKey(): string {
    return this.schemas.join(",");
  }

  afterAllowed(parsed: ParsedStatements): void {
    if (!parsed.ok) return;
    for (const facts of parsed.statements) {
      for (const setting of facts.settings) {
        if (setting.name === "search_path" && setting.value) this.addSchemas(setting.value);
      }
      if (
        facts.kind === "PREPARE" &&
        facts.preparedName !== undefined &&
        this.prepared.size < MAX_PREPARED_PER_SESSION
      ) {
        this.prepared.set(facts.preparedName, [facts]);
      }
      if (facts.kind === "DEALLOCATE" && facts.preparedName !== undefined)
        this.prepared.delete(facts.preparedName);
      if (facts.kind === "DISCARD" || (facts.kind === "DEALLOCATE" && facts.preparedName === undefined))
        this.prepared.clear();
    }
  }

  private addSchemas(value: string): void {
    for (const raw of value.split(",")) {
      const schema = raw.trim().replace(/^"(.*)"$/, "$1");
      const resolved = schema === "$user" ? this.upstreamUser : schema;
      if (!resolved) continue;
      if (!this.schemas.includes(resolved)) this.schemas.push(resolved);
      // Named explicitly, so an allow-list must now cover it too.
      if (schema !== "$user") this.implicitSchemas.delete(resolved);
    }
  }
}
