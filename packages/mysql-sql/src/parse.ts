import { rememberLineageResolver } from "@sluice/sql/column-lineage";
import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import nodeSqlParser from "node-sql-parser/build/mariadb.js";
import { type AstNode, isNode } from "./ast-walk";
import { mysqlLineage } from "./column-lineage";
import { diagnosticsShow } from "./diagnostics-statements";
import { extractMySqlFacts, RefusedStatement } from "./extract-facts";
import { readAsServer } from "./server-lexing";

type NodeSqlParser = { astify: (sql: string, options: { database: string }) => unknown };
const { Parser } = nodeSqlParser as unknown as { Parser: new () => NodeSqlParser };
/** The grammar is stateless between calls, so one instance serves every session. */
const parser = new Parser();
const OPTIONS = { database: "MariaDB" };

/**
 * A MySQL/MariaDB statement (or several, as COM_QUERY may carry with multi-statements) → facts per
 * statement. Read first as the server lexes it (comments out, executable comments refused), then
 * by node-sql-parser's MariaDB grammar; whatever either cannot read is refused, never guessed at.
 */
export function parseMySql(sql: string): ParsedStatements {
  if (sql.trim() === "") return { ok: true, statements: [] };
  const reading = readAsServer(sql);
  if (!reading.ok) {
    return { ok: false, error: `Sluice refuses ${reading.reason}`, position: reading.position + 1 };
  }
  const diagnostics = diagnosticsShow(reading.text);
  if (diagnostics) return { ok: true, statements: [diagnostics] };
  let tree: unknown;
  try {
    tree = parser.astify(reading.text, OPTIONS);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `MySQL syntax Sluice cannot read: ${message.slice(0, 200)}`, position: null };
  }
  const asts = (Array.isArray(tree) ? tree : [tree]).filter(isNode) as AstNode[];
  try {
    return { ok: true, statements: asts.map(factsWithLineage) };
  } catch (error) {
    if (error instanceof RefusedStatement) return { ok: false, error: error.message, position: null };
    throw error;
  }
}

/** The statement's facts, with the lineage the masking decisions resolve against a catalog later. */
function factsWithLineage(ast: AstNode): StatementFacts {
  const facts = extractMySqlFacts(ast);
  rememberLineageResolver(facts, (catalog) => mysqlLineage(ast, catalog));
  return facts;
}
