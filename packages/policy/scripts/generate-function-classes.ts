/**
 * Classifies every function of a fresh server's pg_proc and writes src/generated/function-classes.ts.
 * Fails, writing nothing, when a function is covered by no rule of function-class-rules/: a new
 * server version's functions are reviewed before they can be called, never defaulted to safe.
 *
 *   pnpm exec tsx packages/policy/scripts/generate-function-classes.ts [SUPERUSER_URL]
 *
 * Without a URL it starts the embedded PostgreSQL the integration tests run (test/embedded-server.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { tsxCommand } from "../../../test/tsx-command";
import { FUNCTION_CLASS_RANK, type FunctionClass } from "../src/function-class";
import { CLASSIFIED_NAMES } from "./function-class-rules/classified-names";
import { SAFE_BY_ROLE } from "./function-class-rules/safe-by-role";
import { SAFE_NAMES } from "./function-class-rules/safe-names";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../../..");
const OUTPUT = path.join(HERE, "../src/generated/function-classes.ts");

/** Every function with what the catalog says it is for (the flags SAFE_BY_ROLE names). */
const FUNCTIONS_QUERY = `
WITH support AS (
  SELECT oprcode AS oid, 'implements_operator' AS flag FROM pg_operator
  UNION SELECT oprrest, 'implements_operator' FROM pg_operator
  UNION SELECT oprjoin, 'implements_operator' FROM pg_operator
  UNION SELECT unnest(ARRAY[typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze]::oid[]), 'is_type_support' FROM pg_type
  UNION SELECT castfunc, 'is_cast' FROM pg_cast
  UNION SELECT amproc, 'is_index_support' FROM pg_amproc
  UNION SELECT unnest(ARRAY[aggtransfn, aggfinalfn, aggcombinefn, aggserialfn, aggdeserialfn,
                            aggmtransfn, aggminvtransfn, aggmfinalfn]::oid[]), 'is_aggregate_support' FROM pg_aggregate
)
SELECT n.nspname AS schema, p.proname AS name, p.oid::int AS oid,
       p.oid::regprocedure::text AS signature, l.lanname AS language,
       coalesce(pg_get_function_sqlbody(p.oid), p.prosrc) AS body,
       array_remove(ARRAY[
         CASE WHEN p.prokind IN ('a', 'w') THEN 'is_aggregate' END,
         CASE WHEN 'internal'::regtype = ANY (p.proargtypes) THEN 'takes_internal' END,
         CASE WHEN p.prorettype = ANY (ARRAY['trigger', 'event_trigger', 'language_handler', 'fdw_handler',
                   'index_am_handler', 'table_am_handler', 'tsm_handler']::regtype[]) THEN 'returns_handler' END
       ] || coalesce((SELECT array_agg(DISTINCT s.flag) FROM support s WHERE s.oid = p.oid), '{}'), NULL) AS flags
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
ORDER BY 1, 2, 4`;

const OPERATORS_QUERY = `
SELECT o.oprname AS name, o.oprcode::int AS code
FROM pg_operator o WHERE o.oprnamespace = 'pg_catalog'::regnamespace ORDER BY 1`;

type ProcRow = {
  schema: string;
  name: string;
  oid: number;
  signature: string;
  language: string;
  body: string | null;
  flags: string[];
};

const rank = (c: FunctionClass) => FUNCTION_CLASS_RANK.indexOf(c);
const worse = (a: FunctionClass, b: FunctionClass) => (rank(b) > rank(a) ? b : a);

function namedClass(schema: string, name: string): FunctionClass | null {
  if (schema !== "pg_catalog") return null;
  let found: FunctionClass | null = null;
  for (const [cls, names] of Object.entries(CLASSIFIED_NAMES) as [FunctionClass, readonly string[]][]) {
    const hit = names.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : p === name));
    if (hit) found = found ? worse(found, cls) : cls;
  }
  return found;
}

/** Each function's class, or the list of functions no rule covers. */
function classify(rows: readonly ProcRow[]): {
  byOid: Map<number, FunctionClass>;
  uncovered: string[];
} {
  const safeByRole = new Set(SAFE_BY_ROLE.map((rule) => rule.flag));
  const byOid = new Map<number, FunctionClass>();
  const uncovered: string[] = [];
  for (const row of rows) {
    const named = namedClass(row.schema, row.name);
    if (named) byOid.set(row.oid, named);
    else if (row.schema === "pg_catalog" && row.flags.some((flag) => safeByRole.has(flag)))
      byOid.set(row.oid, "safe");
    else if (SAFE_NAMES[row.schema]?.includes(row.name)) byOid.set(row.oid, "safe");
    else uncovered.push(`${row.schema}.${row.signature}`);
  }
  // A built-in SQL function is as dangerous as what its body calls (pg_sleep_for calls pg_sleep).
  const byName = nameClasses(rows, byOid);
  for (const row of rows) {
    if (row.language !== "sql" || !row.body) continue;
    for (const word of row.body.toLowerCase().match(/[a-z_][a-z0-9_$]*/g) ?? []) {
      const called = byName.get(`pg_catalog.${word}`);
      if (called && called !== "safe") byOid.set(row.oid, worse(byOid.get(row.oid) ?? "safe", called));
    }
  }
  return { byOid, uncovered };
}

function nameClasses(rows: readonly ProcRow[], byOid: ReadonlyMap<number, FunctionClass>) {
  const byName = new Map<string, FunctionClass>();
  for (const row of rows) {
    const cls = byOid.get(row.oid);
    if (!cls) continue;
    const key = `${row.schema}.${row.name}`;
    byName.set(key, worse(byName.get(key) ?? "safe", cls));
  }
  return byName;
}

/** Rule names that match nothing on this server: stale or mistyped, and worth a look. */
function unusedNames(rows: readonly ProcRow[]): string[] {
  const present = new Set(rows.map((row) => `${row.schema}.${row.name}`));
  const listed = [
    ...Object.values(CLASSIFIED_NAMES).flatMap((names) => names.map((name) => `pg_catalog.${name}`)),
    ...Object.entries(SAFE_NAMES).flatMap(([schema, names]) => names.map((name) => `${schema}.${name}`)),
  ];
  return listed.filter((name) =>
    name.endsWith("*") ? ![...present].some((p) => p.startsWith(name.slice(0, -1))) : !present.has(name),
  );
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const dir = mkdtempSync(path.join(tmpdir(), "sluice-classify-"));
  const port = String(40000 + Math.floor(Math.random() * 20000));
  const { command, args } = tsxCommand("test/embedded-server.ts", [path.join(dir, "data"), port]);
  const child = spawn(command, args, {
    cwd: REPO,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`the embedded server exited (${code})`)));
  });
  return { url, child };
}

async function main(): Promise<void> {
  const given = process.argv[2];
  const server = given ? null : await startServer();
  const client = new pg.Client({ connectionString: given ?? server?.url });
  await client.connect();
  try {
    const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .rows[0]?.v;
    const rows = (await client.query<ProcRow>(FUNCTIONS_QUERY)).rows;
    const operators = (await client.query<{ name: string; code: number }>(OPERATORS_QUERY)).rows;
    const { byOid, uncovered } = classify(rows);
    if (uncovered.length > 0) {
      throw new Error(
        `${uncovered.length} functions are covered by no rule; classify them in function-class-rules/:\n  ${uncovered.join("\n  ")}`,
      );
    }
    for (const name of unusedNames(rows)) console.warn(`note: ${name} is listed but not on this server`);
    const byName = nameClasses(rows, byOid);
    const schemas: Record<string, Record<string, FunctionClass>> = {};
    for (const [key, cls] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const at = key.indexOf(".");
      const schema = key.slice(0, at);
      schemas[schema] ??= {};
      schemas[schema][key.slice(at + 1)] = cls;
    }
    // An operator is a call of its function: one whose function is not safe is left out (unknown).
    const unsafeOperators = new Set(
      operators.filter((op) => byOid.get(op.code) !== "safe").map((op) => op.name),
    );
    const safeOperators = [...new Set(operators.map((op) => op.name))].filter((n) => !unsafeOperators.has(n));
    writeFileSync(OUTPUT, render(version ?? "unknown", schemas, safeOperators));
    const counts = new Map<FunctionClass, number>();
    for (const cls of byName.values()) counts.set(cls, (counts.get(cls) ?? 0) + 1);
    console.log(
      `classified ${rows.length} functions (${byName.size} names) of PostgreSQL ${version}: ${[...counts].map(([c, n]) => `${c} ${n}`).join(", ")}; ${safeOperators.length} operator names`,
    );
  } finally {
    await client.end();
    server?.child.kill("SIGTERM");
  }
}

function render(
  version: string,
  schemas: Record<string, Record<string, FunctionClass>>,
  operators: readonly string[],
): string {
  return `// Generated by packages/policy/scripts/generate-function-classes.ts from PostgreSQL ${version}'s pg_proc.
// Do not edit: change packages/policy/scripts/function-class-rules/ and run the script again.
import type { FunctionClass } from "../function-class";

export const CLASSIFIED_SERVER_VERSION = ${JSON.stringify(version)};

/** Schema → function name → class (the most dangerous of the name's overloads). */
export const FUNCTION_CLASSES: Readonly<Record<string, Readonly<Record<string, FunctionClass>>>> = ${JSON.stringify(schemas, null, 1)};

/** Names of pg_catalog operators whose every implementation is a safe function. */
export const SAFE_OPERATORS: readonly string[] = ${JSON.stringify(operators)};
`;
}

await main();
