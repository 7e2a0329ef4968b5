/**
 * The catalog query behind UpstreamCode's relation sets: which relations run code outside
 * pg_catalog when written, and which when read. Kept apart from the reader because it is long, and
 * its parts say why each object counts.
 */

/** Functions and operators outside the server's own schemas: the owner's code, never judged. */
export const USER_CODE = `
user_procs AS (
  SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')),
user_ops AS (
  SELECT o.oid FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))`;

/**
 * Types whose values pass through user code without the statement naming it: a user input, output,
 * send or receive function; a cast with a user function the server applies by itself (assignment,
 * implicit) into the type, or out of a type that is not built-in (a built-in source would make
 * every text or int4 value count: its target's columns are what decide); any user cast out of a
 * user type (`col::int` names only int); a domain CHECK calling user code; comparison support
 * (ORDER BY, indexes) in user functions; and, transitively, domains over, arrays of, ranges of and
 * row types holding such a type.
 */
export const CODE_TYPES = `
code_types(oid) AS (
  SELECT t.oid FROM pg_type t
  WHERE t.typinput IN (SELECT oid FROM user_procs) OR t.typoutput IN (SELECT oid FROM user_procs)
     OR t.typreceive IN (SELECT oid FROM user_procs) OR t.typsend IN (SELECT oid FROM user_procs)
  UNION SELECT c.castsource FROM pg_cast c JOIN pg_type s ON s.oid = c.castsource
    WHERE c.castfunc IN (SELECT oid FROM user_procs) AND s.typnamespace <> 'pg_catalog'::regnamespace
  UNION SELECT c.casttarget FROM pg_cast c
    WHERE c.castfunc IN (SELECT oid FROM user_procs) AND c.castcontext IN ('a', 'i')
  UNION SELECT con.contypid FROM pg_constraint con
    JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = con.oid
    WHERE con.contypid <> 0 AND (
      (d.refclassid = 'pg_proc'::regclass AND d.refobjid IN (SELECT oid FROM user_procs))
      OR (d.refclassid = 'pg_operator'::regclass AND d.refobjid IN (SELECT oid FROM user_ops)))
  UNION SELECT amproclefttype FROM pg_amproc WHERE amproc IN (SELECT oid FROM user_procs)
  UNION SELECT amoplefttype FROM pg_amop WHERE amopopr IN (SELECT oid FROM user_ops)
  UNION
  SELECT edge.target FROM (
    SELECT typbasetype AS source, oid AS target FROM pg_type WHERE typtype = 'd'
    UNION ALL SELECT typelem, oid FROM pg_type
      WHERE typelem <> 0 AND typsubscript = 'array_subscript_handler'::regproc
    UNION ALL SELECT a.atttypid, c.reltype FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE a.attnum > 0 AND c.reltype <> 0
    UNION ALL SELECT rngsubtype, rngtypid FROM pg_range
  ) edge JOIN code_types ct ON edge.source = ct.oid),
code_deps AS (
  SELECT d.classid, d.objid FROM pg_depend d
  WHERE (d.refclassid = 'pg_proc'::regclass AND d.refobjid IN (SELECT oid FROM user_procs))
     OR (d.refclassid = 'pg_operator'::regclass AND d.refobjid IN (SELECT oid FROM user_ops))
     OR (d.refclassid = 'pg_type'::regclass AND d.refobjid IN (SELECT oid FROM code_types))),
typed_relations AS (
  SELECT DISTINCT a.attrelid AS oid FROM pg_attribute a
  WHERE a.attnum > 0 AND NOT a.attisdropped AND a.atttypid IN (SELECT oid FROM code_types))`;

/**
 * A write to a view the server updates by itself is rewritten into a write to the relation the
 * view's query reads, through any number of views: whatever a write to that relation runs (its
 * triggers, rules, defaults; pg_settings' rules, which call set_config), a write to the view runs.
 * Every relation the view's query names counts, not only the one the server writes (fail closed).
 */
export const VIEW_WRITE_EDGES = `
    SELECT d.refobjid AS source, r.ev_class AS target FROM pg_rewrite r
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
      WHERE r.rulename = '_RETURN' AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class`;

/**
 * Writes run code through: user triggers and rules; defaults, generated columns, CHECKs, policies
 * and index expressions that use user code; a column of a code type (its input function, the
 * assignment cast into it, its domain CHECK); and, transitively, partitioned parents of such
 * relations and tables whose foreign keys' cascades reach them. Set joins, not a test per
 * relation: the catalog read must stay cheap on schemas of thousands of tables.
 */
const WRITE_RUNS_CODE = `
write_runs_code(oid) AS (
  SELECT tgrelid FROM pg_trigger WHERE NOT tgisinternal
  UNION SELECT ev_class FROM pg_rewrite WHERE rulename <> '_RETURN'
  UNION SELECT oid FROM typed_relations
  UNION SELECT ad.adrelid FROM code_deps d
    JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
  UNION SELECT con.conrelid FROM code_deps d
    JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass AND con.oid = d.objid
    WHERE con.conrelid <> 0
  UNION SELECT p.polrelid FROM code_deps d
    JOIN pg_policy p ON d.classid = 'pg_policy'::regclass AND p.oid = d.objid
  UNION SELECT i.indrelid FROM code_deps d
    JOIN pg_index i ON d.classid = 'pg_class'::regclass AND i.indexrelid = d.objid
  UNION
  SELECT edge.target FROM (
    SELECT inhrelid AS source, inhparent AS target FROM pg_inherits
    UNION ALL SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f'
    UNION ALL ${VIEW_WRITE_EDGES}
  ) edge JOIN write_runs_code w ON edge.source = w.oid)`;

/**
 * Relations whose writes set settings: pg_settings itself (its UPDATE rule calls set_config) and
 * the views a write reaches it through. Judged as SET of a setting the gateway cannot name.
 */
const WRITE_SETS_SETTINGS = `
write_sets_settings(oid) AS (
  SELECT 'pg_catalog.pg_settings'::regclass::oid
  UNION
  SELECT edge.target FROM (${VIEW_WRITE_EDGES}) edge JOIN write_sets_settings s ON edge.source = s.oid)`;

/**
 * Reads run code through: a view's (or materialized view's) query using user code; row security
 * policies that do; a column of a code type (its output function, casts out of it); and,
 * transitively, views and policies over such relations and inheritance parents (a scan of the
 * parent reads its children).
 */
const READ_RUNS_CODE = `
read_runs_code(oid) AS (
  SELECT oid FROM typed_relations
  UNION SELECT r.ev_class FROM code_deps d
    JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
  UNION SELECT p.polrelid FROM code_deps d
    JOIN pg_policy p ON d.classid = 'pg_policy'::regclass AND p.oid = d.objid
    JOIN pg_class c ON c.oid = p.polrelid WHERE c.relrowsecurity
  UNION
  SELECT edge.target FROM (
    SELECT d.refobjid AS source, r.ev_class AS target FROM pg_depend d
      JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
      WHERE d.refclassid = 'pg_class'::regclass
    UNION ALL SELECT d.refobjid, p.polrelid FROM pg_depend d
      JOIN pg_policy p ON d.classid = 'pg_policy'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_class'::regclass
    UNION ALL SELECT inhrelid, inhparent FROM pg_inherits
  ) edge JOIN read_runs_code r ON edge.source = r.oid)`;

/** The server's own relations are judged by name (function classes, value-revealing relations). */
export const USER_RELATION = `c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`;

/**
 * One row per relation and the access that runs code: `runs_on` is 'write' or 'read', or
 * 'settings' for a view whose writes set settings.
 */
export const RELATIONS_RUNNING_CODE_SQL = `
WITH RECURSIVE ${USER_CODE}, ${CODE_TYPES}, ${WRITE_RUNS_CODE}, ${READ_RUNS_CODE}, ${WRITE_SETS_SETTINGS}
SELECT n.nspname AS schema, c.relname AS table, 'write' AS runs_on
FROM write_runs_code w JOIN pg_class c ON c.oid = w.oid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${USER_RELATION}
UNION ALL
SELECT n.nspname, c.relname, 'read'
FROM read_runs_code r JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${USER_RELATION}
UNION ALL
SELECT n.nspname, c.relname, 'settings'
FROM write_sets_settings s JOIN pg_class c ON c.oid = s.oid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${USER_RELATION}`;
