import type pg from "pg";

/**
 * The bypass corpus of functions that run SQL the gateway never sees (issue 14), against the
 * customers table of bypass-functions.int.test.ts: each case's statement and the default that must
 * refuse it. Cases only ever get added.
 */

export const SSN_QUERY = "SELECT ssn, email, card_number FROM customers";
export type FunctionCase = {
  name: string;
  sql: string | pg.QueryConfig;
  rule: string;
  setup?: readonly string[];
  /** Run straight against the upstream, it returns sensitive values: the case is a real leak. */
  isExfiltration?: boolean;
  isReadOnly?: boolean;
};

const xml = (query: string) => `'${query.replaceAll("'", "''")}', true, false, ''`;
const CURSOR = ["BEGIN", `DECLARE c CURSOR FOR ${SSN_QUERY}`];
const PATH_CATALOG_LAST = ["SET search_path = public, pg_catalog"];
/** ts_stat's argument: a query whose words are every customer's email address. */
const EMAIL_WORDS = "'SELECT to_tsvector(''simple'', email) FROM customers'";

export const FUNCTION_CASES: FunctionCase[] = [
  // The three reproductions of issue 14.
  {
    name: "ts_stat",
    sql: `SELECT * FROM ts_stat(${EMAIL_WORDS})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "cursor_to_xml",
    setup: CURSOR,
    sql: "SELECT cursor_to_xml('c', 1000, false, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "schema_to_xml_and_xmlschema",
    sql: "SELECT schema_to_xml_and_xmlschema('public', true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  // Qualified, unqualified, case and quoting.
  {
    name: "ts_stat in the select list",
    sql: `SELECT ts_stat(${EMAIL_WORDS})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "pg_catalog.ts_stat, upper case",
    sql: `SELECT word FROM PG_CATALOG.TS_STAT(${EMAIL_WORDS})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "quoted exact name",
    sql: `SELECT "pg_catalog"."query_to_xml"(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "unicode-escaped name",
    sql: `SELECT U&"query\\005fto\\005fxml"(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "mixed-case quoted user function",
    sql: `SELECT "Query_to_xml"('${SSN_QUERY}')`,
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "cursor_to_xmlschema",
    setup: CURSOR,
    sql: "SELECT cursor_to_xmlschema('c', false, false, '')",
    rule: "sluice:hidden-sql",
  },
  // Everywhere an expression can stand.
  {
    name: "in FROM",
    sql: `SELECT * FROM query_to_xml(${xml(SSN_QUERY)}) AS t(x)`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a CTE",
    sql: `WITH x AS (SELECT query_to_xml(${xml(SSN_QUERY)}) AS v) SELECT v FROM x`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a scalar subquery",
    sql: "SELECT (SELECT table_to_xml('customers', true, false, ''))",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a VALUES list",
    sql: "VALUES (table_to_xml('public.customers', true, false, ''))",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a WHERE clause",
    sql: `SELECT 1 FROM notes WHERE query_to_xml(${xml(SSN_QUERY)}) IS NULL`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "in RETURNING",
    sql: `INSERT INTO notes VALUES ('x') RETURNING query_to_xml(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a LATERAL ROWS FROM",
    sql: `SELECT * FROM notes, LATERAL ROWS FROM (query_to_xml(${xml(SSN_QUERY)})) r`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "in a column DEFAULT",
    sql: `CREATE TABLE dump (x xml DEFAULT query_to_xml(${xml(SSN_QUERY)}))`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "in a view",
    sql: "CREATE VIEW dump AS SELECT database_to_xml(true, false, '')",
    rule: "sluice:hidden-sql",
  },
  {
    name: "inside COPY",
    sql: `COPY (SELECT query_to_xml(${xml(SSN_QUERY)})) TO STDOUT`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "inside EXPLAIN ANALYZE",
    sql: `EXPLAIN ANALYZE SELECT query_to_xml(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "via PREPARE",
    sql: "PREPARE dump(text) AS SELECT query_to_xml($1, true, false, '')",
    rule: "sluice:hidden-sql",
  },
  {
    name: "behind an allowed first statement",
    sql: `SELECT 1; SELECT query_to_xml(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "extended protocol, query as a parameter",
    sql: { text: "SELECT query_to_xml($1, true, false, '')", values: [SSN_QUERY] },
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  // The rest of the family, and the query-text variant of ts_rewrite.
  {
    name: "database_to_xml",
    sql: "SELECT database_to_xml(true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "table_to_xml_and_xmlschema",
    sql: "SELECT table_to_xml_and_xmlschema('customers', true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "schema_to_xml",
    sql: "SELECT schema_to_xml('public', true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "ts_rewrite with a query",
    sql: "SELECT ts_rewrite('x'::tsquery, 'SELECT ''x''::tsquery, plainto_tsquery(''simple'', email) FROM customers WHERE id = 1')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  // Functions that are not built-ins: user-defined, an extension's schema, a procedure, a shadow.
  {
    name: "user-defined, qualified",
    sql: "SELECT public.dump_customers()",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "user-defined, unqualified",
    sql: "SELECT dump_customers()",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "extension-like schema",
    sql: "SELECT ext.table_dump('customers')",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  { name: "a procedure by CALL", sql: "CALL public.copy_customers()", rule: "sluice:unknown-function" },
  {
    name: "a user function shadowing lower() once pg_catalog comes later",
    setup: PATH_CATALOG_LAST,
    sql: "SELECT lower('x')",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "a computed path in the same message, then the shadowed lower()",
    // Qualified, so the first statement itself is placed; only the second is in question.
    sql: "SELECT pg_catalog.set_config('search_path', pg_catalog.concat('public,', 'pg_catalog'), false); SELECT lower('x')",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  // Operators call functions too.
  {
    name: "a user operator, qualified",
    sql: "SELECT 'a' OPERATOR(public.===) 'b'",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "a user operator, unqualified",
    sql: "SELECT 'a' === 'b'",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  // Server files, large objects, server control, other sessions' query text.
  { name: "pg_ls_dir", sql: "SELECT pg_ls_dir('.')", rule: "sluice:server-files" },
  { name: "pg_stat_file", sql: "SELECT pg_stat_file('PG_VERSION')", rule: "sluice:server-files" },
  { name: "lo_from_bytea", sql: "SELECT lo_from_bytea(0, 'x')", rule: "sluice:server-files" },
  {
    name: "pg_terminate_backend",
    sql: "SELECT pg_terminate_backend(pg_backend_pid())",
    rule: "sluice:server-files",
  },
  {
    name: "pg_backend_activity",
    sql: "SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() s",
    rule: "sluice:catalog-values",
  },
  // A read-only connection cannot write through a function.
  {
    name: "nextval on a read-only connection",
    sql: "SELECT nextval('no_such_seq')",
    rule: "sluice:read-only",
    isReadOnly: true,
  },
  {
    name: "pg_notify on a read-only connection",
    sql: "SELECT pg_notify('c', 'x')",
    rule: "sluice:read-only",
    isReadOnly: true,
  },
];
