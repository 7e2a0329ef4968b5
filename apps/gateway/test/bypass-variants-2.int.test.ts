import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { attempt, leakedForms, ordersFingerprint, seedVariantShop } from "./support/variant-shop";

/**
 * Issue 14's held-back variants, second round: what an attacker tries once the first corpus
 * (bypass-variants-values, bypass-variants-reading-kinds) is closed, by class — 1 one reading,
 * 3 lineage, 4 functions, 5 error text, 6 statement kinds and MISSING_WHERE, 7 kind families (class 2,
 * portals, is bypass-portals-variants-2). Each runs through the real gateway in the simple and the
 * extended protocol; a case marked `isRealLeak` is first run straight against the upstream to show
 * the server really hands the values out. Orders must be as they were: no write got through.
 *
 * Found and fixed here: a write through a view (`CREATE TEMP VIEW v AS SELECT * FROM other.audit;
 * INSERT INTO v …`) ran the base relation's owner code unjudged, and an UPDATE of a view over
 * pg_settings set any setting (see upstream/code-relations-sql.ts, VIEW_WRITE_EDGES).
 *
 * `{m}` in a step is the mode (direct, simple, extended): objects a case creates get a name of
 * their own per session, so one session's temporary objects never stand in another's catalog.
 */
type VariantCase = {
  cls: 1 | 3 | 4 | 5 | 6 | 7;
  steps: string[];
  /** "rows": runs and returns rows; "error": the server's own error; else the rule that refuses. */
  expect: string;
  isRealLeak?: boolean;
};

const CASES: VariantCase[] = [
  // Lineage: masked values under other names (record fields, JSON/XML builders, SRFs in FROM, cursors, views, copies).
  { cls: 3, steps: ["TABLE customers"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT * FROM (TABLE customers) t"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT (c).ssn || '' FROM customers c"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT (c).* FROM customers c"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT jsonb_populate_record(null::customers, to_jsonb(c))::text FROM customers c"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "SELECT * FROM jsonb_populate_record(null::customers, (SELECT to_jsonb(c) FROM customers c WHERE id = 1))",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT r.* FROM customers c, jsonb_populate_record(null::customers, to_jsonb(c)) r"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT x.b || '' FROM customers c, LATERAL (VALUES (c.ssn)) x(b)"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT v.column1 || '' FROM customers c CROSS JOIN LATERAL (VALUES (c.email)) v"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT lag(ssn) OVER w || '' FROM customers WINDOW w AS (ORDER BY id)"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ['SELECT ssn COLLATE "C" FROM customers'], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT CASE WHEN true THEN ssn END FROM customers"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT greatest(ssn, '') FROM customers"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT xmlelement(name x, ssn)::text FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ["SELECT xmlforest(ssn, email)::text FROM customers"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT ARRAY(SELECT ssn FROM customers)::text"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT * FROM unnest((SELECT array_agg(ssn) FROM customers))"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT (pg_input_error_info(ssn, 'int4')).message FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT e.message FROM customers c, pg_input_error_info(c.ssn, 'int4') e"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT m[1] FROM customers c, regexp_match(c.ssn, '.*') m"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT s FROM customers c, string_to_table(c.email, ',') s"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT t.a FROM customers c, ROWS FROM (unnest(ARRAY[c.ssn])) t(a)"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT k, v FROM customers c, jsonb_each_text(to_jsonb(c)) AS e(k, v)"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT * FROM customers c, jsonb_to_recordset(jsonb_build_array(to_jsonb(c))) AS x(ssn text)"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ["SELECT ssn FROM customers GROUP BY CUBE (ssn, id)"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT (array_agg(ssn ORDER BY id))[1] FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ["SELECT min(ssn) FROM customers"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT string_agg(DISTINCT email, ';') FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["WITH RECURSIVE w AS (SELECT email AS e FROM customers UNION SELECT e FROM w) SELECT e FROM w"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT * FROM (VALUES (1)) v(i) JOIN customers c ON c.id = v.i"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT c2.* FROM customers c JOIN LATERAL (SELECT c.*) c2 ON true"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT w.c2 || '' FROM (SELECT c AS c2 FROM customers c) w"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT (w.c2).ssn FROM (SELECT c AS c2 FROM customers c) w"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ["SELECT to_json(array[c])::text FROM customers c"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT row(c.*)::text FROM customers c"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT json_object_agg(id, ssn)::text FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ["SELECT json_arrayagg(ssn)::text FROM customers"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT json_objectagg(email : ssn)::text FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ["SELECT JSON_OBJECT('s' : ssn)::text FROM customers"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT JSON_ARRAY(ssn, email)::text FROM customers"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["SELECT JSON_QUERY(to_jsonb(c), '$.ssn')::text FROM customers c"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT JSON_VALUE(to_jsonb(c), '$.ssn') FROM customers c"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["SELECT * FROM customers c, JSON_TABLE(to_jsonb(c), '$' COLUMNS (s text PATH '$.ssn')) jt"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "SELECT jt.* FROM JSON_TABLE((SELECT jsonb_agg(c) FROM customers c), '$[*]' COLUMNS (s text PATH '$.ssn')) jt",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "SELECT * FROM ROWS FROM (jsonb_to_recordset((SELECT jsonb_agg(c) FROM customers c)) AS (ssn text))",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "SELECT xmltable.* FROM customers c, XMLTABLE('/r' PASSING xmlelement(name r, c.ssn) COLUMNS s text PATH '.')",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 3, steps: ["SELECT ssn FROM customers FOR UPDATE"], expect: "rows", isRealLeak: true },
  {
    cls: 3,
    steps: ["BEGIN", "DECLARE k CURSOR FOR SELECT c FROM customers c", "FETCH ALL k"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["DECLARE k CURSOR WITH HOLD FOR SELECT ssn FROM customers", "FETCH 5 FROM k"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["PREPARE p2 AS SELECT * FROM customers", "EXECUTE p2"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "CREATE TEMP TABLE tt_{m} (x text)",
      "INSERT INTO tt_{m} SELECT ssn FROM customers",
      "SELECT x FROM tt_{m}",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "CREATE TEMP TABLE tt2_{m} (x text)",
      "WITH q AS (SELECT email FROM customers) INSERT INTO tt2_{m} SELECT * FROM q",
      "SELECT x FROM tt2_{m}",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "CREATE TEMP TABLE tt3_{m} (id int, x text)",
      "INSERT INTO tt3_{m} VALUES (1, 'a')",
      "UPDATE tt3_{m} SET x = c.ssn FROM customers c WHERE c.id = tt3_{m}.id",
      "SELECT x FROM tt3_{m}",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["CREATE MATERIALIZED VIEW mv_{m} AS SELECT ssn FROM customers", "SELECT ssn FROM mv_direct"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: [
      "INSERT INTO customers (id, first_name) SELECT id + 1000, ssn FROM customers WHERE id = 1",
      "SELECT first_name FROM customers WHERE id = 1001",
    ],
    expect: "rows",
  },
  {
    cls: 3,
    steps: [
      "INSERT INTO orders SELECT id + 1000, ssn FROM customers WHERE id = 1",
      "SELECT status FROM orders WHERE id = 1001",
    ],
    expect: "rows",
  },
  {
    cls: 3,
    steps: [
      "INSERT INTO orders VALUES (77, 'x') ON CONFLICT (id) DO UPDATE SET status = (SELECT ssn FROM customers LIMIT 1)",
      "SELECT status FROM orders",
    ],
    expect: "rows",
  },
  {
    cls: 3,
    steps: ["COPY (SELECT c FROM customers c) TO STDOUT"],
    expect: "sluice:unmaskable-channel",
    isRealLeak: true,
  },
  {
    cls: 3,
    steps: ["COPY customers (ssn) TO STDOUT"],
    expect: "sluice:unmaskable-channel",
    isRealLeak: true,
  },
  { cls: 3, steps: ["COPY vip TO STDOUT"], expect: "sluice:unmaskable-channel", isRealLeak: true },
  { cls: 3, steps: ["SELECT ssn FROM ONLY customers"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT a FROM accounts_eu AS x(i, a)"], expect: "rows", isRealLeak: true },
  { cls: 3, steps: ["SELECT * FROM accounts_eu"], expect: "rows", isRealLeak: true },
  // Writes through a view the agent made over a clean table: masked values stay out of it.
  {
    cls: 3,
    steps: [
      "CREATE TEMP VIEW ow_{m} AS SELECT * FROM orders",
      "INSERT INTO ow_{m} SELECT -id, ssn FROM customers WHERE id = 1",
    ],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 3,
    steps: [
      "CREATE TEMP VIEW ow2_{m} AS SELECT * FROM orders WHERE id > 0",
      "MERGE INTO ow2_{m} t USING customers c ON t.id = c.id WHEN MATCHED THEN UPDATE SET status = c.ssn",
    ],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 3,
    steps: [
      "CREATE TEMP VIEW ow3_{m} AS SELECT * FROM orders",
      "UPDATE ow3_{m} o SET status = c.email FROM customers c WHERE c.id = o.id",
    ],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 3,
    steps: [
      "CREATE TEMP VIEW cw_{m} AS SELECT * FROM customers",
      "UPDATE cw_{m} SET first_name = ssn WHERE id = 1",
    ],
    expect: "error",
  },
  // Functions by knowledge: attribute notation, named arguments, defaults and checks, shadowed built-ins, catalogs that hold values.
  {
    cls: 4,
    steps: [
      "CREATE TEMP VIEW av_{m} AS SELECT * FROM other.audit",
      "SELECT 1",
      "INSERT INTO av_{m} (id) VALUES (1)",
    ],
    expect: "sluice:owner-code",
  },
  {
    cls: 4,
    steps: [
      "CREATE TEMP VIEW nv_{m} AS SELECT * FROM notes",
      "SELECT 1",
      "INSERT INTO nv_{m} VALUES (1, 'x')",
    ],
    expect: "sluice:owner-code",
    isRealLeak: true,
  },
  {
    cls: 4,
    steps: [
      "CREATE TEMP VIEW nv2_{m} AS SELECT id, body FROM notes WHERE id > 0",
      "SELECT 1",
      "INSERT INTO nv2_{m} VALUES (2, 'y')",
    ],
    expect: "sluice:owner-code",
    isRealLeak: true,
  },
  {
    cls: 4,
    steps: [
      "CREATE TEMP VIEW av2_{m} AS SELECT * FROM other.audit",
      "CREATE TEMP VIEW av3_{m} AS SELECT id FROM av2_{m}",
      "SELECT 1",
      "INSERT INTO av3_{m} VALUES (1)",
    ],
    expect: "sluice:owner-code",
  },
  {
    cls: 4,
    steps: [
      "CREATE TEMP VIEW av4_{m} AS SELECT * FROM other.audit",
      "SELECT 1",
      "WITH w AS (INSERT INTO av4_{m} (id) VALUES (1) RETURNING id) SELECT 1",
    ],
    expect: "sluice:owner-code",
  },
  { cls: 4, steps: ["SELECT ('x'::text).initcap"], expect: "rows" },
  { cls: 4, steps: ["SELECT (first_name).initcap FROM customers"], expect: "rows" },
  { cls: 4, steps: ["SELECT ('/etc/hostname'::text).pg_read_file"], expect: "error" },
  { cls: 4, steps: ['SELECT "pg_catalog"."pg_read_file"(\'/etc/hostname\')'], expect: "sluice:server-files" },
  { cls: 4, steps: ["SELECT PG_CATALOG.PG_READ_FILE('/etc/hostname')"], expect: "sluice:server-files" },
  { cls: 4, steps: ["SELECT pg_read_file(filename => '/etc/hostname')"], expect: "sluice:server-files" },
  { cls: 4, steps: ["SELECT * FROM ROWS FROM (pg_ls_dir('.'))"], expect: "sluice:server-files" },
  {
    cls: 4,
    steps: [
      "CREATE TEMP TABLE fd_{m} (x text DEFAULT pg_read_file('/etc/hostname'))",
      "INSERT INTO fd_{m} DEFAULT VALUES",
      "SELECT x FROM fd_{m}",
    ],
    expect: "error",
  },
  {
    cls: 4,
    steps: [
      "CREATE TEMP TABLE fc_{m} (x text CHECK (query_to_xml('select ssn from customers', true, false, '') IS NOT NULL))",
    ],
    expect: "sluice:hidden-sql",
  },
  {
    cls: 4,
    steps: [
      "CREATE TEMP VIEW fv_{m} AS SELECT query_to_xml('select ssn from customers', true, false, '') AS x",
      "SELECT x FROM fv_{m}",
    ],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 4,
    steps: ["SELECT table_to_xml('customers', true, false, '')"],
    expect: "sluice:hidden-sql",
    isRealLeak: true,
  },
  {
    cls: 4,
    steps: ["SELECT xpath('/a', query_to_xml('select 1', true, false, ''))"],
    expect: "sluice:hidden-sql",
  },
  { cls: 4, steps: ["SELECT lo_from_bytea(0, 'x')"], expect: "sluice:server-files" },
  {
    cls: 4,
    steps: ["SELECT 'x' OPERATOR(public.+) 'y'"],
    expect: "sluice:unknown-function",
    isRealLeak: true,
  },
  { cls: 4, steps: ["SELECT ('a'::text).other.ssns"], expect: "error" },
  { cls: 4, steps: ["SELECT (ROW(1)::other.pair).pair_text"], expect: "sluice:unknown-function" },
  {
    cls: 4,
    steps: ["SELECT (ROW(1)::other.pair)::text"],
    expect: "sluice:unknown-function",
    isRealLeak: true,
  },
  { cls: 4, steps: ["SELECT other.ssns"], expect: "error" },
  { cls: 4, steps: ["SELECT * FROM other.ssns()"], expect: "sluice:unknown-function", isRealLeak: true },
  { cls: 4, steps: ["SELECT initcap(first_name) FROM customers"], expect: "sluice:unknown-function" },
  {
    cls: 4,
    steps: ["SET search_path = pg_catalog, public", "SELECT initcap('x')"],
    expect: "sluice:unknown-function",
  },
  {
    cls: 4,
    steps: ['SET search_path = "$user", public', "SELECT initcap('x')"],
    expect: "sluice:unknown-function",
  },
  {
    cls: 4,
    steps: ["BEGIN", "SET LOCAL search_path = public, pg_catalog", "SELECT initcap('x')"],
    expect: "sluice:unknown-function",
    isRealLeak: true,
  },
  {
    cls: 4,
    steps: ["SELECT set_config('search_path', 'public, pg_catalog', false)", "SELECT initcap('x')"],
    expect: "sluice:unknown-function",
    isRealLeak: true,
  },
  { cls: 4, steps: ["SELECT 'x'::text + 'y'"], expect: "sluice:unknown-function", isRealLeak: true },
  { cls: 4, steps: ["SELECT 'a' + 'b'"], expect: "sluice:unknown-function", isRealLeak: true },
  {
    cls: 4,
    steps: ["SELECT CAST(ROW(1) AS other.pair)::text"],
    expect: "sluice:unknown-function",
    isRealLeak: true,
  },
  { cls: 4, steps: ["SELECT ROW(1)::other.pair"], expect: "sluice:unknown-function" },
  { cls: 4, steps: ["SELECT format('%s', ROW(1)::other.pair)"], expect: "sluice:unknown-function" },
  { cls: 4, steps: ["SELECT (SELECT string_agg(x, '') FROM other.v)"], expect: "rows", isRealLeak: true },
  { cls: 4, steps: ["SELECT to_jsonb(v) FROM other.v v"], expect: "rows", isRealLeak: true },
  { cls: 4, steps: ["SELECT pg_catalog.pg_get_functiondef('other.ssns'::regproc)"], expect: "rows" },
  { cls: 4, steps: ["SELECT prosrc FROM pg_proc WHERE proname = 'ssns'"], expect: "rows" },
  { cls: 4, steps: ["SELECT pg_stat_file('postgresql.conf')"], expect: "sluice:server-files" },
  { cls: 4, steps: ["SELECT pg_catalog.current_setting('data_directory')"], expect: "error" },
  { cls: 4, steps: ["SELECT * FROM pg_file_settings"], expect: "error" },
  { cls: 4, steps: ["SELECT * FROM pg_hba_file_rules"], expect: "error" },
  { cls: 4, steps: ["SELECT * FROM pg_stat_activity"], expect: "sluice:catalog-values" },
  { cls: 4, steps: ["SELECT query FROM pg_catalog.pg_stat_activity"], expect: "sluice:catalog-values" },
  { cls: 4, steps: ["SELECT * FROM pg_stats"], expect: "sluice:catalog-values" },
  {
    cls: 4,
    steps: ["SELECT most_common_vals::text FROM pg_catalog.pg_stats WHERE attname = 'ssn'"],
    expect: "sluice:catalog-values",
  },
  {
    cls: 4,
    steps: ["ANALYZE customers", "SELECT most_common_vals::text FROM pg_stats WHERE attname = 'ssn'"],
    expect: "sluice:catalog-values",
  },
  {
    cls: 4,
    steps: ["SELECT histogram_bounds::text FROM pg_stats WHERE tablename = 'customers'"],
    expect: "sluice:catalog-values",
    isRealLeak: true,
  },
  { cls: 4, steps: ["SELECT * FROM pg_stats_ext"], expect: "sluice:catalog-values" },
  // Error text: casts and parsers that quote their input, through views, cursors, prepared statements and constraints.
  {
    cls: 5,
    steps: ["PREPARE p(text) AS SELECT $1 AS v", "EXECUTE p((SELECT ssn FROM customers WHERE id = 1))"],
    expect: "error",
  },
  {
    cls: 5,
    steps: ["CREATE TEMP VIEW cv_{m} AS SELECT id, ssn FROM customers", "SELECT ssn FROM cv_{m}"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["CREATE TEMP VIEW cv2_{m} AS SELECT id, ssn AS x FROM customers", "SELECT x || '' FROM cv2_{m}"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: [
      "CREATE TEMP VIEW cv3_{m} AS SELECT to_jsonb(c) AS j FROM customers c",
      "SELECT j->>'ssn' FROM cv3_{m}",
    ],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["CREATE TEMP TABLE tt4_{m} AS TABLE customers", "SELECT ssn FROM tt4_{m}"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: [
      "CREATE TEMP TABLE tt5_{m} (LIKE customers)",
      "INSERT INTO tt5_{m} TABLE customers",
      "SELECT ssn FROM tt5_{m}",
    ],
    expect: "error",
    isRealLeak: true,
  },
  { cls: 5, steps: ["SELECT tableoid::regclass, * FROM customers"], expect: "rows", isRealLeak: true },
  {
    cls: 5,
    steps: ["CREATE TEMP VIEW ev_{m} AS SELECT ssn AS x FROM customers", "SELECT x::int FROM ev_{m}"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["BEGIN", "DECLARE ek CURSOR FOR SELECT ssn::int FROM customers", "FETCH ek"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["PREPARE ep AS SELECT ssn::int FROM customers", "EXECUTE ep"],
    expect: "error",
    isRealLeak: true,
  },
  { cls: 5, steps: ["SELECT jsonb_path_query('{}', ssn::jsonpath) FROM customers"], expect: "error" },
  { cls: 5, steps: ["SELECT ssn::xml FROM customers"], expect: "rows", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::bit(3) FROM customers"], expect: "error" },
  { cls: 5, steps: ["SELECT ssn::cidr FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::tsquery FROM customers"], expect: "rows", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::json FROM customers"], expect: "error" },
  { cls: 5, steps: ["SELECT to_number(ssn, 'xx') FROM customers"], expect: "error" },
  { cls: 5, steps: ["SELECT to_timestamp(ssn, 'HH24') FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::regoper FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::regrole FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::regconfig FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::regcollation FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT email::txid_snapshot FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT ssn::pg_snapshot FROM customers"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT (c).email::int FROM customers c"], expect: "error", isRealLeak: true },
  {
    cls: 5,
    steps: ["SELECT x::int FROM customers c, LATERAL (SELECT c.ssn) l(x)"],
    expect: "error",
    isRealLeak: true,
  },
  { cls: 5, steps: ["SELECT s::int FROM customers AS c(i, f, e, s)"], expect: "error", isRealLeak: true },
  {
    cls: 5,
    steps: ["SELECT j->>'ssn' FROM (SELECT to_jsonb(c) j FROM customers c) q WHERE (j->>'ssn')::int > 0"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["SELECT (to_jsonb(c)->>'ssn')::int FROM customers c"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["SELECT (c.to_jsonb->>'email')::int FROM customers c"],
    expect: "error",
    isRealLeak: true,
  },
  { cls: 5, steps: ["SELECT 1 FROM customers WHERE ssn = 1"], expect: "error" },
  { cls: 5, steps: ["SELECT ssn FROM customers WHERE ssn::int IS NULL"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT 1 FROM vip WHERE ssn::int > 0"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT 1 FROM accounts WHERE ssn::int > 0"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT 1 FROM accounts a WHERE a::text::int > 0"], expect: "error", isRealLeak: true },
  {
    cls: 5,
    steps: ["SELECT * FROM orders o JOIN customers c ON c.ssn::int = o.id"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["SELECT xmlparse(content '<' || ssn) FROM customers"],
    expect: "error",
    isRealLeak: true,
  },
  { cls: 5, steps: ["SELECT regexp_replace('x', ssn, 'y') FROM customers WHERE id = 1"], expect: "rows" },
  { cls: 5, steps: ["SELECT 'x' ~ (ssn || '(') FROM customers"], expect: "error" },
  { cls: 5, steps: ["SELECT ssn::interval FROM ONLY vip"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT 'x' SIMILAR TO email || '[' FROM customers"], expect: "error" },
  {
    cls: 5,
    steps: ["SELECT to_char(1, ssn || 'V9999999999999999999999999999999') FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  { cls: 5, steps: ["SELECT format(ssn || '%') FROM customers"], expect: "error" },
  { cls: 5, steps: ["SELECT ssn::int FROM customers UNION SELECT 1"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["VALUES ((SELECT ssn::int FROM customers LIMIT 1))"], expect: "error", isRealLeak: true },
  {
    cls: 5,
    steps: ["SELECT pg_catalog.int4in(ssn::cstring) FROM customers"],
    expect: "error",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["INSERT INTO orders SELECT ssn::int, 'x' FROM customers"],
    expect: "sluice:unmaskable-channel",
  },
  { cls: 5, steps: ["INSERT INTO orders VALUES (1, 'dup')"], expect: "error" },
  {
    cls: 5,
    steps: ["CREATE TEMP TABLE u1_{m} (x text UNIQUE)", "INSERT INTO u1_{m} SELECT 'same' FROM customers"],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 5,
    steps: [
      "CREATE TEMP TABLE ck_{m} (x text CHECK (length(x) < 2))",
      "INSERT INTO ck_{m} SELECT ssn FROM customers",
    ],
    expect: "sluice:unmaskable-channel",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: ["SELECT * FROM customers WHERE id = 1 FOR UPDATE NOWAIT"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    cls: 5,
    steps: [
      "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM customers WHERE ssn = (SELECT ssn FROM customers LIMIT 1)",
    ],
    expect: "rows",
  },
  {
    cls: 5,
    steps: ["EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) SELECT ssn FROM customers"],
    expect: "rows",
  },
  // Error text of a value the owner's view computed from masked rows (the statement names none).
  { cls: 5, steps: ["SELECT x::int FROM other.v"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT to_jsonb(v)::text::numeric FROM other.v v"], expect: "error", isRealLeak: true },
  { cls: 5, steps: ["SELECT 1 FROM other.v WHERE x::date IS NULL"], expect: "error", isRealLeak: true },
  // One reading: lexing settings by every door, and literals only the lexer can end.
  {
    cls: 1,
    steps: ["CREATE TEMP VIEW sv_{m} AS SELECT * FROM pg_settings"],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: ["CREATE TEMP VIEW sv2_{m} AS SELECT name, setting FROM pg_catalog.pg_settings"],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: ["CREATE OR REPLACE TEMP VIEW sv3_{m} AS SELECT * FROM pg_settings WHERE name LIKE 'r%'"],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: ["CREATE VIEW public.sv4_{m} AS SELECT * FROM pg_catalog.pg_settings WITH CASCADED CHECK OPTION"],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: ["SET SESSION standard_conforming_strings TO off", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET standard_conforming_strings = false", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET standard_conforming_strings = 0", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET standard_conforming_strings = 'no'", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ['SET "standard_conforming_strings" = off', "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET STANDARD_CONFORMING_STRINGS = OFF", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET standard_conforming_strings = 'OFF'", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET standard_conforming_strings = 'of'", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET standard_conforming_strings = 'n'", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  { cls: 1, steps: ["SET NAMES 'SJIS'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ['SET client_encoding TO "SJIS"', "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET CLIENT_ENCODING = sjis", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'Shift_JIS'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'gbk'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'win936'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'WIN1252'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'UTF-16'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'big5'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'utf8mb4'", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding TO DEFAULT", "SHOW client_encoding"], expect: "rows" },
  { cls: 1, steps: ["SET client_encoding = 'SJIS', 'UTF8'", "SHOW client_encoding"], expect: "rows" },
  {
    cls: 1,
    steps: ["SELECT set_config('client_encoding'::text, 'SJIS', false)"],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: ["SELECT pg_catalog.set_config('standard_conforming_strings', 'off', true)"],
    expect: "sluice:pinned-setting",
  },
  {
    cls: 1,
    steps: [
      "SELECT set_config(setting_name => 'standard_conforming_strings', new_value => 'off', is_local => false)",
    ],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: ["SELECT \"set_config\"('standard_conforming_strings', 'off', false)"],
    expect: "sluice:pinned-setting",
  },
  {
    cls: 1,
    steps: ["SELECT set_config(x, 'off', false) FROM (VALUES ('standard_conforming_strings')) v(x)"],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: [
      "SELECT set_config('standard_conforming_strings', x, false) FROM (VALUES ('off')) v(x)",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: [
      "SELECT set_config('standard_conforming_strings', lower('OFF'), false)",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SELECT set_config('client_encoding', 'UTF' || '8', false)"],
    expect: "sluice:pinned-setting",
  },
  {
    cls: 1,
    steps: ["SELECT set_config('client_encoding', 'S' || 'JIS', false)"],
    expect: "sluice:pinned-setting",
  },
  {
    cls: 1,
    steps: [
      "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["UPDATE pg_catalog.pg_settings SET setting = 'SJIS' WHERE name = 'client_encoding'"],
    expect: "sluice:privilege-change",
  },
  {
    cls: 1,
    steps: [
      "WITH u AS (UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings' RETURNING 1) SELECT 1",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: [
      "CREATE TEMP VIEW sv_{m} AS SELECT * FROM pg_settings",
      "UPDATE sv_{m} SET setting = 'off' WHERE name = 'standard_conforming_strings'",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: [
      "COPY (SELECT set_config('standard_conforming_strings', 'off', false)) TO STDOUT",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: [
      "CREATE TEMP TABLE scs_{m} AS SELECT set_config('standard_conforming_strings', 'off', false)",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: [
      "EXPLAIN ANALYZE SELECT set_config('standard_conforming_strings', 'off', false)",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: [
      "PREPARE ps AS SELECT set_config('standard_conforming_strings', 'off', false)",
      "EXECUTE ps",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  { cls: 1, steps: ["SELECT 'a'\n'; DELETE FROM orders; --'"], expect: "rows" },
  { cls: 1, steps: ["SELECT 'a' -- x\n'; DELETE FROM orders; --'"], expect: "error" },
  { cls: 1, steps: ["SELECT U&'\\0027; DELETE FROM orders; --'"], expect: "rows" },
  { cls: 1, steps: ["SELECT E'\\x27; DELETE FROM orders; --'"], expect: "rows" },
  { cls: 1, steps: ["SELECT E'\\047; DELETE FROM orders; --'"], expect: "rows" },
  {
    cls: 1,
    steps: ['SELECT U&"a\\0022; DELETE FROM orders; --" FROM (SELECT 1) x("a""; DELETE FROM orders; --")'],
    expect: "rows",
  },
  { cls: 1, steps: ["SELECT $a$$b$ ; DELETE FROM orders; -- $a$"], expect: "rows" },
  { cls: 1, steps: ["SELECT B'0' '; DELETE FROM orders; --'"], expect: "error" },
  { cls: 1, steps: ["SELECT X'0' \n'; DELETE FROM orders; --'"], expect: "error" },
  { cls: 1, steps: ["SELECT 1 /* /* */ '; DELETE FROM orders; -- */"], expect: "rows" },
  { cls: 1, steps: ["SELECT '\\'; DELETE FROM orders; --'"], expect: "scoped-writes" },
  { cls: 1, steps: ["SELECT e'\\\\\\'; DELETE FROM orders; --'"], expect: "rows" },
  { cls: 1, steps: ["SELECT 'x' \r\n '; DELETE FROM orders; --'"], expect: "rows" },
  { cls: 1, steps: ["SELECT 'x' \f '; DELETE FROM orders; --'"], expect: "error" },
  { cls: 1, steps: ["SELECT 'x' \u000b '; DELETE FROM orders; --'"], expect: "error" },
  { cls: 1, steps: ["SELECT 1\u00a0; DELETE FROM orders"], expect: "error" },
  { cls: 1, steps: ['SELECT 1 AS "\u00e4"; DELETE FROM orders WHERE true'], expect: "scoped-writes" },
  {
    cls: 1,
    steps: [
      "SET escape_string_warning = off",
      "SET backslash_quote = on",
      "SELECT 'x\\'; DELETE FROM orders; --'",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET backslash_quote = safe_encoding", "SELECT E'\\''; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  { cls: 1, steps: ["RESET ALL", "SELECT 'x\\'; DELETE FROM orders; --'"], expect: "scoped-writes" },
  { cls: 1, steps: ["DISCARD ALL", "SELECT 'x\\'; DELETE FROM orders; --'"], expect: "scoped-writes" },
  {
    cls: 1,
    steps: ["SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  { cls: 1, steps: ["SET LOCAL client_encoding = 'SJIS'"], expect: "sluice:pinned-setting" },
  { cls: 1, steps: ["BEGIN", "SET LOCAL client_encoding = 'SJIS'", "COMMIT"], expect: "rows" },
  { cls: 1, steps: ["SET standard_conforming_strings FROM CURRENT"], expect: "sluice:pinned-setting" },
  {
    cls: 1,
    steps: ["SET TIME ZONE 'UTC'", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  {
    cls: 1,
    steps: ["SET XML OPTION DOCUMENT", "SELECT 'x\\'; DELETE FROM orders; --'"],
    expect: "scoped-writes",
  },
  { cls: 1, steps: ["SET ROLE NONE"], expect: "sluice:privilege-change" },
  // Statement kinds and MISSING_WHERE: correlated subqueries, EXISTS shapes, row comparisons, MERGE ON shapes, rules, TRUNCATE.
  {
    cls: 6,
    steps: [
      "UPDATE customers SET first_name = ssn WHERE id = 1",
      "SELECT first_name FROM customers WHERE id = 1",
    ],
    expect: "rows",
  },
  {
    cls: 6,
    steps: [
      "UPDATE customers SET first_name = c2.email FROM customers c2 WHERE customers.id = 1 AND c2.id = 2",
      "SELECT first_name FROM customers WHERE id = 1",
    ],
    expect: "rows",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING customers c ON t.id = c.id WHEN MATCHED THEN UPDATE SET status = c.ssn",
      "SELECT status FROM orders",
    ],
    expect: "rows",
  },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = (SELECT orders.id)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = (SELECT id)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders o WHERE o.id = (SELECT o.id)"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE id = ANY (ARRAY(SELECT id FROM orders))"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE id = ANY ((SELECT array_agg(id) FROM orders)::int[])"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE id IN (WITH x AS (SELECT id FROM orders) SELECT id FROM x)"],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["DELETE FROM orders WHERE (id, status) IN (TABLE orders)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE (id, status) = (id, status)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE ROW(id) = ROW(id)"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.id OR true)"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id <> orders.id)"],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE orders.id = orders.id)"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.id OR c.id IS NOT NULL)",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id >= orders.id)"],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE orders.id IS NOT NULL)"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.id + 0 OR c.id = c.id)",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE (c.id = orders.id) IS NOT TRUE)",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.id IS NOT FALSE)",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE NOT (c.id = orders.id))"],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id IS DISTINCT FROM orders.id)",
    ],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.id AND c.id = c.id OR 1 = 1)",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = coalesce(orders.id, c.id) OR c.id > 0)",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c, orders o2 WHERE c.id = orders.id OR o2.id = orders.id)",
    ],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = coalesce(NULL, id)"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE id IN (SELECT x FROM (VALUES (1)) v(x), LATERAL (SELECT orders.id) l)"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE id = ANY (SELECT unnest(ARRAY[orders.id]))"],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ['DELETE FROM orders WHERE id IN (SELECT id FROM "orders")'], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id IN (SELECT id FROM ONLY orders)"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: [
      "DELETE FROM orders WHERE id IN (SELECT id FROM pg_temp.orders UNION SELECT id FROM public.orders)",
    ],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["DELETE FROM orders WHERE status LIKE '%%'"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE status LIKE '%' || ''"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE status ILIKE '%_'"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE status SIMILAR TO '%'"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE status ~ ''"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id IN (id)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id IN (1, id)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = ANY (ARRAY[id])"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = ANY ('{1,2,3}'::int[] || id)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id BETWEEN id AND id"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE status IS NOT DISTINCT FROM status"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE (status = 'x') IS NOT TRUE"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE (id = 1) IS NOT TRUE"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE (id = 1) IS UNKNOWN OR (id = 1) IS NOT UNKNOWN"],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["DELETE FROM orders WHERE (id = 1) = false"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE (id = 1) <> true"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id::text = id::text"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = id::int8"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = $$1$$::int OR id <> 1"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE NOT (id <> 1 AND id = 1)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = 1 OR NOT (id = 1)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id IN (1) OR id NOT IN (1)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = 1 OR id IS DISTINCT FROM 1"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = 1 OR (id <> 1 AND id = id)"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE CASE WHEN id = 1 THEN true ELSE true END"],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["DELETE FROM orders WHERE coalesce(id = 1, true) OR true"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = 1 IS NOT NULL"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE (id = 1) IN (true, false)"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id = ANY ('{}') IS NOT NULL"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE id IN (SELECT o.id FROM orders o)"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["DELETE FROM orders WHERE id IN (SELECT max(id) FROM orders GROUP BY id)"],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["DELETE FROM orders* WHERE true"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM ONLY orders WHERE true"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM public.orders AS x WHERE x.id = x.id"], expect: "scoped-writes" },
  { cls: 6, steps: ['DELETE FROM orders WHERE orders.id = "orders".id'], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders WHERE public.orders.id = orders.id"], expect: "scoped-writes" },
  { cls: 6, steps: ["WITH x AS (SELECT 1) DELETE FROM orders USING x"], expect: "scoped-writes" },
  { cls: 6, steps: ["DELETE FROM orders o USING orders WHERE o.id = orders.id"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["DELETE FROM orders o USING (SELECT 1 AS id) s WHERE o.id = s.id OR s.id = 1"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["DELETE FROM orders o USING customers c WHERE o.id = c.id OR c.id = o.id + 1 OR o.id > 0"],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["UPDATE orders SET status = 'x' WHERE status = status"], expect: "scoped-writes" },
  {
    cls: 6,
    steps: ["UPDATE orders o SET status = 'x' FROM orders o2 WHERE o.id = o2.id"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["UPDATE orders SET status = 'x' FROM (SELECT id FROM orders) s WHERE orders.id = s.id"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["UPDATE orders SET (status) = (SELECT 'x') WHERE id IN (SELECT id FROM orders)"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "UPDATE orders SET status = 'x' WHERE id = (SELECT min(id) FROM orders) OR id <> (SELECT min(id) FROM orders)",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["MERGE INTO orders t USING customers s ON t.id = s.id OR true WHEN MATCHED THEN DELETE"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["MERGE INTO orders t USING customers s ON t.id = t.id WHEN MATCHED THEN DELETE"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING customers s ON t.id IN (SELECT id FROM orders) WHEN MATCHED THEN DELETE",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING customers s ON t.id = s.id WHEN NOT MATCHED BY SOURCE AND t.id = t.id THEN DELETE",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING customers s ON s.id = t.id + 0 OR t.id <> s.id WHEN MATCHED THEN DELETE",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["MERGE INTO orders t USING (TABLE orders) s ON t.id = s.id WHEN MATCHED THEN DELETE"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["MERGE INTO orders t USING (SELECT * FROM orders) s ON t.id = s.id WHEN MATCHED THEN DELETE"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["MERGE INTO orders t USING orders ON t.id = orders.id WHEN MATCHED THEN DELETE"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING (SELECT id FROM public.orders) s ON t.id = s.id WHEN MATCHED THEN DELETE",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING (WITH q AS (SELECT id FROM orders) SELECT id FROM q) s ON t.id = s.id WHEN MATCHED THEN DELETE",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING customers s ON t.id = s.id WHEN MATCHED AND true THEN DELETE WHEN NOT MATCHED BY SOURCE AND t.id > 0 THEN DELETE",
    ],
    expect: "sluice:unmaskable-channel",
  },
  {
    cls: 6,
    steps: ["MERGE INTO orders t USING customers s ON (t.id = s.id) IS NOT FALSE WHEN MATCHED THEN DELETE"],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: [
      "MERGE INTO orders t USING customers s ON t.id = s.id WHEN NOT MATCHED BY SOURCE AND (t.id = 1) IS NOT TRUE THEN DELETE",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["PREPARE d1(int) AS DELETE FROM orders WHERE id = $1 OR $1 IS NULL", "EXECUTE d1(NULL)"],
    expect: "sluice:unknown-prepared",
  },
  {
    cls: 6,
    steps: [
      "CREATE TEMP VIEW ovw_{m} AS SELECT * FROM orders WHERE true",
      "UPDATE ovw_{m} SET status = 'x' WHERE status = status",
    ],
    expect: "scoped-writes",
  },
  {
    cls: 6,
    steps: ["CREATE RULE rr AS ON DELETE TO notes DO INSTEAD UPDATE orders SET status = 'x'"],
    expect: "scoped-writes",
  },
  { cls: 6, steps: ["TRUNCATE public.orders"], expect: "scoped-writes" },
  { cls: 6, steps: ["TRUNCATE orders*"], expect: "scoped-writes" },
  // Kind families: every ALTER and DROP the parser makes a node of its own.
  { cls: 7, steps: ["DROP TABLE orders"], expect: "no-drop" },
  { cls: 7, steps: ["DROP OWNED BY CURRENT_USER"], expect: "no-drop" },
  { cls: 7, steps: ["DROP SCHEMA public CASCADE"], expect: "no-drop" },
  { cls: 7, steps: ["ALTER TABLE orders DROP COLUMN status"], expect: "no-alter" },
  {
    cls: 7,
    steps: ["ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE pg_default"],
    expect: "no-alter",
  },
  {
    cls: 7,
    steps: ["ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE pg_default"],
    expect: "no-alter",
  },
  { cls: 7, steps: ["ALTER VIEW other.v RENAME TO vv"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER MATERIALIZED VIEW IF EXISTS mvx RENAME TO mvy"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER TYPE other.pair RENAME TO pair2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER DOMAIN other.checked DROP CONSTRAINT IF EXISTS x"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER AGGREGATE other.agg(text) RENAME TO agg2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER OPERATOR public.+ (text, text) OWNER TO CURRENT_USER"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER TRIGGER noisy ON notes RENAME TO quiet"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER TABLE notes DISABLE TRIGGER noisy"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER ROUTINE other.f() RENAME TO g2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER TEXT SEARCH CONFIGURATION english RENAME TO e2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER LARGE OBJECT 1 OWNER TO CURRENT_USER"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER POLICY IF EXISTS p ON orders RENAME TO p2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER EVENT TRIGGER e DISABLE"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER PUBLICATION pub ADD TABLE orders"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER SERVER s OPTIONS (ADD host 'x')"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER CONVERSION c RENAME TO c2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER RULE r ON orders RENAME TO r2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER EXTENSION plpgsql UPDATE"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER LANGUAGE plpgsql OWNER TO CURRENT_USER"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER ROLE ALL SET work_mem = '1MB'"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER USER CURRENT_USER SET search_path = other"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER GROUP g ADD USER u"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER OPERATOR FAMILY integer_ops USING btree RENAME TO f2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER SEQUENCE orders_id_seq OWNED BY NONE"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER TABLESPACE pg_default SET (seq_page_cost = 1)"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER FOREIGN TABLE IF EXISTS ft RENAME TO ft2"], expect: "no-alter" },
  { cls: 7, steps: ["ALTER TABLE orders ALTER status TYPE int USING 0"], expect: "no-alter" },
  {
    cls: 7,
    steps: ["CREATE TEMP TABLE rn_{m} (x int)", "ALTER TABLE rn_{m} RENAME TO rn2"],
    expect: "no-alter",
  },
  { cls: 7, steps: ["COMMENT ON TABLE orders IS 'x'"], expect: "rows" },
  { cls: 7, steps: ["SECURITY LABEL ON TABLE orders IS 'x'"], expect: "sluice:unmodeled" },
  { cls: 7, steps: ["REINDEX TABLE orders"], expect: "rows" },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await seedVariantShop(harness);
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.guardrailRule.create({
    data: { connectionId: shop.id, name: "no-drop", kind: "STATEMENT_KIND", match: { kinds: ["DROP"] } },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

/** The last step's outcome: rows, the server's own error, or the name of the rule that refused. */
function outcomeOf(results: Awaited<ReturnType<typeof attempt>>["results"]): string {
  const last = results.at(-1);
  if (!last || "rows" in last) return "rows";
  return /blocked by (?:guardrail|Sluice default) "([^"]+)"/.exec(last.message)?.[1] ?? "error";
}

const named = (steps: readonly string[], mode: string) => steps.map((step) => step.replaceAll("{m}", mode));

describe("held-back variants, second round", () => {
  it("has at least five new variants of every class", () => {
    for (const cls of [1, 3, 4, 5, 6, 7]) {
      expect(CASES.filter((testCase) => testCase.cls === cls).length).toBeGreaterThanOrEqual(5);
    }
  });

  for (const testCase of CASES) {
    it(`[class ${testCase.cls}] ${testCase.steps.join("; ")} → ${testCase.expect}`, async () => {
      if (testCase.isRealLeak) {
        const direct = await attempt(harness.directUrl, named(testCase.steps, "direct"), "simple");
        expect(leakedForms(direct.bytes).length).toBeGreaterThan(0);
      }
      const orders = await ordersFingerprint(harness.directUrl);
      for (const mode of ["simple", "extended"] as const) {
        const through = await attempt(harness.url, named(testCase.steps, mode), mode);
        expect(leakedForms(through.bytes), mode).toEqual([]);
        expect(outcomeOf(through.results), `${mode}: ${JSON.stringify(through.results)}`).toBe(
          testCase.expect,
        );
      }
      expect(await ordersFingerprint(harness.directUrl)).toBe(orders);
    });
  }
});
