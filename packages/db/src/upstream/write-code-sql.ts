/**
 * The catalog query behind UpstreamCode's `writeCode`: for each relation whose writes run the
 * owner's code, what runs and which function it is, so policy can judge each function as it judges
 * a call (a trigger that copies a masked column into a readable table is the owner's code running
 * with the agent's write). Code that names no function the gateway can judge — a rule, a column of
 * a type whose input or cast is user code — comes with no function, and is refused as such.
 */
import { CODE_TYPES, USER_CODE, USER_RELATION, VIEW_WRITE_EDGES } from "./code-relations-sql";

/**
 * Dependencies on user code, with the function each one runs: a user function itself, a user
 * operator's function (which may be a built-in, judged by its class), and none for a code type.
 */
const CODE_REFS = `
code_refs(classid, objid, fn) AS (
  SELECT d.classid, d.objid, d.refobjid FROM pg_depend d
    WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid IN (SELECT oid FROM user_procs)
  UNION ALL SELECT d.classid, d.objid, o.oprcode FROM pg_depend d JOIN pg_operator o ON o.oid = d.refobjid
    WHERE d.refclassid = 'pg_operator'::regclass AND d.refobjid IN (SELECT oid FROM user_ops)
  UNION ALL SELECT d.classid, d.objid, 0::oid FROM pg_depend d
    WHERE d.refclassid = 'pg_type'::regclass AND d.refobjid IN (SELECT oid FROM code_types))`;

/**
 * What a write to the relation itself runs: enabled user triggers (row and statement, their WHEN
 * conditions too), DML rules, defaults and generated columns, CHECKs, row security policies and
 * index expressions using user code, and columns of code types.
 */
const DIRECT_CODE = `
direct_code(relid, source, fn) AS (
  SELECT t.tgrelid, 'trigger ' || quote_ident(t.tgname), t.tgfoid FROM pg_trigger t
    WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'
  UNION ALL SELECT t.tgrelid, 'the WHEN condition of trigger ' || quote_ident(t.tgname), r.fn FROM code_refs r
    JOIN pg_trigger t ON r.classid = 'pg_trigger'::regclass AND t.oid = r.objid
    WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'
  UNION ALL SELECT ev_class, 'rule ' || quote_ident(rulename), 0::oid FROM pg_rewrite WHERE rulename <> '_RETURN'
  UNION ALL SELECT ad.adrelid,
      CASE WHEN a.attgenerated <> '' THEN 'generated column ' ELSE 'the default of column ' END || quote_ident(a.attname),
      r.fn
    FROM code_refs r JOIN pg_attrdef ad ON r.classid = 'pg_attrdef'::regclass AND ad.oid = r.objid
    JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
  UNION ALL SELECT con.conrelid, 'constraint ' || quote_ident(con.conname), r.fn FROM code_refs r
    JOIN pg_constraint con ON r.classid = 'pg_constraint'::regclass AND con.oid = r.objid WHERE con.conrelid <> 0
  UNION ALL SELECT p.polrelid, 'policy ' || quote_ident(p.polname), r.fn FROM code_refs r
    JOIN pg_policy p ON r.classid = 'pg_policy'::regclass AND p.oid = r.objid
  UNION ALL SELECT i.indrelid, 'index ' || quote_ident(ic.relname), r.fn FROM code_refs r
    JOIN pg_index i ON r.classid = 'pg_class'::regclass AND i.indexrelid = r.objid
    JOIN pg_class ic ON ic.oid = i.indexrelid
  UNION ALL SELECT oid, 'a column whose type runs user code on input', 0::oid FROM typed_relations)`;

/**
 * Relations a write reaches: itself, the partitions and children below a parent, the tables
 * whose foreign keys cascade from it, and the relation under a view it writes through.
 */
const REACH = `
reach(oid, via) AS (
  SELECT DISTINCT relid, relid FROM direct_code
  UNION
  SELECT edge.target, r.via FROM (
    SELECT inhrelid AS source, inhparent AS target FROM pg_inherits
    UNION ALL SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f'
    UNION ALL ${VIEW_WRITE_EDGES}
  ) edge JOIN reach r ON edge.source = r.oid)`;

/** One row per relation and piece of code its writes run; `function_*` null when none can be named. */
export const WRITE_CODE_SQL = `
WITH RECURSIVE ${USER_CODE}, ${CODE_TYPES}, ${CODE_REFS}, ${DIRECT_CODE}, ${REACH}
SELECT DISTINCT n.nspname AS schema, c.relname AS table, d.source,
  vn.nspname || '.' || v.relname AS via, fn.nspname AS function_schema, p.proname AS function_name
FROM reach r JOIN direct_code d ON d.relid = r.via
JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class v ON v.oid = r.via JOIN pg_namespace vn ON vn.oid = v.relnamespace
LEFT JOIN pg_proc p ON p.oid = d.fn LEFT JOIN pg_namespace fn ON fn.oid = p.pronamespace
WHERE ${USER_RELATION}`;
