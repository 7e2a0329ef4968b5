import { rememberLineageResolver } from "@sluice/sql/column-lineage";
import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import nodeSqlParser from "node-sql-parser/build/mariadb.js";
import { type AstNode, isNode } from "./ast-walk";
import { showTables } from "./catalog-show-statements";
import { mysqlLineage } from "./column-lineage";
import { diagnosticsShow } from "./diagnostics-statements";
import { extractMySqlFacts, RefusedStatement } from "./extract-facts";
import { otherCharsetRefusal, pinnedCharsetSet } from "./pinned-charset-statements";
import { readAsServer } from "./server-lexing";
import { withTemporaryDropAsDrop } from "./temporary-drop";

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
  return readMySql(sql).parsed;
}

/** The facts and the trees they came from (none for the forms read before the grammar: SHOW WARNINGS, SET NAMES utf8mb4, SHOW TABLES). */
export type MySqlReading = {
  parsed: ParsedStatements;
  asts: AstNode[];
  /** SHOW WARNINGS / ERRORS / COUNT(*): it reads the server's diagnostics area. */
  isDiagnostics?: boolean;
};

/** parseMySql, keeping the trees for what else needs them (masking's shape): one parse for both. */
export function readMySql(sql: string): MySqlReading {
  if (sql.trim() === "") return { parsed: { ok: true, statements: [] }, asts: [] };
  const reading = readAsServer(sql);
  if (!reading.ok) {
    const error = `Sluice refuses ${reading.reason}`;
    return { parsed: { ok: false, error, position: reading.position + 1 }, asts: [] };
  }
  const diagnostics = diagnosticsShow(reading.text);
  if (diagnostics) return { parsed: { ok: true, statements: [diagnostics] }, asts: [], isDiagnostics: true };
  const preGrammar = pinnedCharsetSet(reading.text) ?? showTables(reading.text);
  if (preGrammar) return { parsed: { ok: true, statements: [preGrammar] }, asts: [] };
  const charsetRefusal = otherCharsetRefusal(reading.text);
  if (charsetRefusal) return { parsed: { ok: false, error: charsetRefusal, position: null }, asts: [] };
  let tree: unknown;
  try {
    tree = parser.astify(withTemporaryDropAsDrop(reading.text), OPTIONS);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const refused = `MySQL syntax Sluice cannot read: ${message.slice(0, 200)}`;
    return { parsed: { ok: false, error: refused, position: null }, asts: [] };
  }
  const asts = (Array.isArray(tree) ? tree : [tree]).filter(isNode) as AstNode[];
  try {
    return { parsed: { ok: true, statements: asts.map(factsWithLineage) }, asts };
  } catch (error) {
    if (error instanceof RefusedStatement)
      return { parsed: { ok: false, error: error.message, position: null }, asts: [] };
    throw error;
  }
}

/** The statement's facts, with the lineage the masking decisions resolve against a catalog later. */
function factsWithLineage(ast: AstNode): StatementFacts {
  const facts = extractMySqlFacts(ast);
  rememberLineageResolver(facts, (catalog) => mysqlLineage(ast, catalog));
  return facts;
}
