import { type UpstreamCode, upstreamCode } from "@sluice/policy/upstream-code";
import type pg from "pg";
import { RELATIONS_RUNNING_CODE_SQL } from "./code-relations-sql";
import { WRITE_CODE_SQL } from "./write-code-sql";

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema')`;

const USER_FUNCTIONS_SQL = `
SELECT DISTINCT n.nspname AS schema, p.proname AS name
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS}`;

const USER_OPERATORS_SQL = `
SELECT DISTINCT n.nspname AS schema, o.oprname AS name
FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS}`;

/**
 * Types whose casts run a function outside pg_catalog: a user input function, a cast function, a
 * domain over such a type, a domain CHECK calling one. A cast function is listed under the cast's
 * user-defined side only: `x::int` runs a user cast out of `mood` only when x is a `mood`, which
 * takes a column of that type (its relation counts as running code), a cast to it (listed), or a
 * function returning it (judged). A user cast between two built-in types is listed under both.
 */
const TYPE_CODE_SQL = `
WITH type_functions(type_oid, function_oid) AS (
  SELECT t.oid, t.typinput FROM pg_type t
  UNION ALL SELECT d.oid, b.typinput FROM pg_type d JOIN pg_type b ON b.oid = d.typbasetype WHERE d.typtype = 'd'
  UNION ALL SELECT c.castsource, c.castfunc FROM pg_cast c JOIN pg_type s ON s.oid = c.castsource
    JOIN pg_type t ON t.oid = c.casttarget WHERE c.castfunc <> 0
    AND (s.typnamespace <> 'pg_catalog'::regnamespace OR t.typnamespace = 'pg_catalog'::regnamespace)
  UNION ALL SELECT c.casttarget, c.castfunc FROM pg_cast c JOIN pg_type s ON s.oid = c.castsource
    JOIN pg_type t ON t.oid = c.casttarget WHERE c.castfunc <> 0
    AND (t.typnamespace <> 'pg_catalog'::regnamespace OR s.typnamespace = 'pg_catalog'::regnamespace)
  UNION ALL SELECT con.contypid, d.refobjid FROM pg_constraint con
    JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = con.oid AND d.refclassid = 'pg_proc'::regclass
    WHERE con.contypid <> 0
)
SELECT DISTINCT tn.nspname AS type_schema, t.typname AS type_name, fn.nspname AS function_schema, p.proname AS function_name
FROM type_functions tf
JOIN pg_type t ON t.oid = tf.type_oid JOIN pg_namespace tn ON tn.oid = t.typnamespace
JOIN pg_proc p ON p.oid = tf.function_oid JOIN pg_namespace fn ON fn.oid = p.pronamespace
WHERE fn.nspname NOT IN ${SYSTEM_SCHEMAS}`;

/**
 * Whether the server may apply user code between built-in types by itself: a user function behind
 * an assignment or implicit cast between two built-in types (only a superuser can make one).
 */
const GLOBAL_CODE_SQL = `
SELECT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtenabled <> 'D') AS has_event_triggers,
  EXISTS (
    SELECT 1 FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc
    JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
    WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
      AND c.castcontext IN ('a', 'i')
      AND s.typnamespace = 'pg_catalog'::regnamespace AND t.typnamespace = 'pg_catalog'::regnamespace
  ) AS has_builtin_cast_code`;

/** Reads, over a catalog connection already open, the code statements can run without naming it. */
export async function readUpstreamCode(client: pg.ClientBase): Promise<UpstreamCode> {
  const relations = await client.query<{
    schema: string;
    table: string;
    runs_on: "read" | "write" | "settings";
  }>(RELATIONS_RUNNING_CODE_SQL);
  const writeCode = await client.query<{
    schema: string;
    table: string;
    source: string;
    via: string;
    function_schema: string | null;
    function_name: string | null;
  }>(WRITE_CODE_SQL);
  const userFunctions = await client.query<{ schema: string; name: string }>(USER_FUNCTIONS_SQL);
  const userOperators = await client.query<{ schema: string; name: string }>(USER_OPERATORS_SQL);
  const typeCode = await client.query<{
    type_schema: string;
    type_name: string;
    function_schema: string;
    function_name: string;
  }>(TYPE_CODE_SQL);
  const global = await client.query<{ has_event_triggers: boolean; has_builtin_cast_code: boolean }>(
    GLOBAL_CODE_SQL,
  );
  return upstreamCode({
    writeRunsCode: relations.rows.filter((row) => row.runs_on === "write"),
    readRunsCode: relations.rows.filter((row) => row.runs_on === "read"),
    writeSetsSettings: relations.rows.filter((row) => row.runs_on === "settings"),
    writeCode: writeCode.rows.map((row) => ({
      schema: row.schema,
      table: row.table,
      source: row.source,
      via: row.via,
      functionSchema: row.function_schema,
      functionName: row.function_name,
    })),
    userFunctions: userFunctions.rows,
    userOperators: userOperators.rows,
    typeCode: typeCode.rows.map((row) => ({
      typeSchema: row.type_schema,
      typeName: row.type_name,
      functionSchema: row.function_schema,
      functionName: row.function_name,
    })),
    hasEventTriggers: global.rows[0]?.has_event_triggers === true,
    hasBuiltinCastCode: global.rows[0]?.has_builtin_cast_code === true,
  });
}
