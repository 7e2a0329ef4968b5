import { type UpstreamCode, upstreamCode } from "@sluice/policy/upstream-code";
import type pg from "pg";

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema')`;

/**
 * Relations whose writes run code outside pg_catalog: user triggers and rules; defaults, generated
 * columns, CHECK constraints, row security policies and index expressions that call a user
 * function; and, transitively, partitioned parents of such relations and tables whose foreign keys'
 * cascades reach them.
 */
const WRITE_RUNS_CODE_SQL = `
WITH RECURSIVE runs_code(oid) AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND (
    EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)
    OR EXISTS (SELECT 1 FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN')
    OR EXISTS (
      SELECT 1 FROM pg_depend d
      JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid
      JOIN pg_namespace pn ON pn.oid = p.pronamespace
      WHERE pn.nspname NOT IN ${SYSTEM_SCHEMAS} AND (
        (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = c.oid))
        OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT oid FROM pg_constraint WHERE conrelid = c.oid))
        OR (d.classid = 'pg_policy'::regclass AND d.objid IN (SELECT oid FROM pg_policy WHERE polrelid = c.oid))
        OR (d.classid = 'pg_class'::regclass AND d.objid IN (SELECT indexrelid FROM pg_index WHERE indrelid = c.oid)))))
  UNION
  SELECT edge.target FROM (
    SELECT inhrelid AS source, inhparent AS target FROM pg_inherits
    UNION ALL SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f'
  ) edge JOIN runs_code r ON edge.source = r.oid
)
SELECT n.nspname AS schema, c.relname AS table
FROM runs_code r JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace n ON n.oid = c.relnamespace`;

const USER_FUNCTIONS_SQL = `
SELECT DISTINCT n.nspname AS schema, p.proname AS name
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS}`;

const USER_OPERATORS_SQL = `
SELECT DISTINCT n.nspname AS schema, o.oprname AS name
FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS}`;

/**
 * Types whose casts run a function outside pg_catalog: a user input function, a cast function
 * (both the cast's source and target types), a domain over such a type, a domain CHECK calling one.
 */
const TYPE_CODE_SQL = `
WITH type_functions(type_oid, function_oid) AS (
  SELECT t.oid, t.typinput FROM pg_type t
  UNION ALL SELECT d.oid, b.typinput FROM pg_type d JOIN pg_type b ON b.oid = d.typbasetype WHERE d.typtype = 'd'
  UNION ALL SELECT c.castsource, c.castfunc FROM pg_cast c WHERE c.castfunc <> 0
  UNION ALL SELECT c.casttarget, c.castfunc FROM pg_cast c WHERE c.castfunc <> 0
  UNION ALL SELECT con.contypid, d.refobjid FROM pg_constraint con
    JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = con.oid AND d.refclassid = 'pg_proc'::regclass
    WHERE con.contypid <> 0
)
SELECT DISTINCT tn.nspname AS type_schema, t.typname AS type_name, fn.nspname AS function_schema, p.proname AS function_name
FROM type_functions tf
JOIN pg_type t ON t.oid = tf.type_oid JOIN pg_namespace tn ON tn.oid = t.typnamespace
JOIN pg_proc p ON p.oid = tf.function_oid JOIN pg_namespace fn ON fn.oid = p.pronamespace
WHERE fn.nspname NOT IN ${SYSTEM_SCHEMAS}`;

const EVENT_TRIGGERS_SQL = `SELECT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtenabled <> 'D') AS has`;

/** Reads, over a catalog connection already open, the code statements can run without naming it. */
export async function readUpstreamCode(client: pg.Client): Promise<UpstreamCode> {
  const writeRunsCode = await client.query<{ schema: string; table: string }>(WRITE_RUNS_CODE_SQL);
  const userFunctions = await client.query<{ schema: string; name: string }>(USER_FUNCTIONS_SQL);
  const userOperators = await client.query<{ schema: string; name: string }>(USER_OPERATORS_SQL);
  const typeCode = await client.query<{
    type_schema: string;
    type_name: string;
    function_schema: string;
    function_name: string;
  }>(TYPE_CODE_SQL);
  const eventTriggers = await client.query<{ has: boolean }>(EVENT_TRIGGERS_SQL);
  return upstreamCode({
    writeRunsCode: writeRunsCode.rows,
    userFunctions: userFunctions.rows,
    userOperators: userOperators.rows,
    typeCode: typeCode.rows.map((row) => ({
      typeSchema: row.type_schema,
      typeName: row.type_name,
      functionSchema: row.function_schema,
      functionName: row.function_name,
    })),
    hasEventTriggers: eventTriggers.rows[0]?.has === true,
  });
}
