import { extractFacts } from "./extract-facts";
import type { ParsedStatements } from "./facts";
import { loadPgQuery, type PgQueryError, parseToJson } from "./pg-query-module";

let loading: Promise<void> | null = null;

/** Loads the WebAssembly parser once per process; every parse after that is synchronous. */
export function loadParser(): Promise<void> {
  loading ??= loadPgQuery();
  return loading;
}

/**
 * Parses with PostgreSQL's own grammar and derives facts per statement. A statement that does not
 * parse is reported, never guessed at: the policy denies it.
 */
export function parseStatements(sql: string): ParsedStatements {
  // The server answers an empty string with EmptyQueryResponse; libpg-query throws on it instead.
  if (sql === "") return { ok: true, statements: [] };
  let tree: { stmts?: Array<{ stmt?: unknown; stmt_location?: number }> };
  try {
    const parsed = parseToJson(sql);
    if ("error" in parsed) return syntaxError(parsed.error);
    tree = JSON.parse(parsed.json) as typeof tree;
  } catch (error) {
    // The parser could not run (memory): nothing was judged, so the statement is refused.
    return { ok: false, error: error instanceof Error ? error.message : String(error), position: null };
  }
  const statements = (tree.stmts ?? []).map((entry) => {
    const facts = extractFacts(entry.stmt);
    // libpg-query leaves out a location of 0, as protobuf leaves out every default.
    facts.byteOffset = entry.stmt_location ?? 0;
    return facts;
  });
  return { ok: true, statements };
}

/** PostgreSQL's syntax error, with where in its sources it was raised when it says. */
function syntaxError(details: PgQueryError): ParsedStatements {
  const source =
    details.fileName && details.functionName && details.lineNumber !== undefined
      ? { file: details.fileName, line: details.lineNumber, routine: details.functionName }
      : undefined;
  return {
    ok: false,
    error: details.message,
    position: details.cursorPosition,
    ...(source ? { source } : {}),
  };
}
