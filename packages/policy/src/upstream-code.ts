import type { RoutineRef, SettingChange, StatementFacts } from "@sluice/sql/facts";

/**
 * Code in the upstream database that statements can run without naming it, as the gateway last read
 * the catalog: triggers and rules behind writes, functions outside pg_catalog whose names shadow
 * built-ins, casts and type input functions outside pg_catalog. Policy judges what it cannot see
 * into by these facts: the calls are refused unless allowed, and what runs such code is relayed
 * without anything pipelined behind it (see the relay's pipeline gate).
 */
export type UpstreamCode = {
  /**
   * Relations whose writes run code: user triggers or rules, and those whose writes reach one
   * (partitions' parents, foreign keys' cascades), as `schema.table`.
   */
  writeRunsCode: ReadonlySet<string>;
  /** The same relations by bare name: an unqualified write is judged against every schema's. */
  writeRunsCodeNames: ReadonlySet<string>;
  /**
   * Relations whose reads run code: views and row security policies using user code, columns of a
   * type whose output or casts are user code, and views, policies and parents over those.
   */
  readRunsCode: ReadonlySet<string>;
  readRunsCodeNames: ReadonlySet<string>;
  /**
   * Views whose writes reach pg_catalog.pg_settings (its UPDATE rule calls set_config), as
   * `schema.table`: writing one is SET of a setting the gateway cannot name.
   */
  writeSetsSettings: ReadonlySet<string>;
  writeSetsSettingsNames: ReadonlySet<string>;
  /**
   * What a write to each relation runs (`schema.table`, and the bare name for unqualified writes,
   * every schema's together): its triggers, rules, defaults…, with the function each calls (see
   * owner-code.ts). Only relations with such code are keys.
   */
  writeCode: ReadonlyMap<string, readonly WriteCode[]>;
  /** Function names outside pg_catalog and information_schema → the schemas holding one. */
  userFunctions: ReadonlyMap<string, readonly string[]>;
  /** Operator names outside pg_catalog → the schemas holding one. */
  userOperators: ReadonlyMap<string, readonly string[]>;
  /** Type name (bare and `schema.name`) → functions outside pg_catalog a cast to or from it runs. */
  castFunctions: ReadonlyMap<string, readonly RoutineRef[]>;
  /** An enabled event trigger runs its function on DDL. */
  hasEventTriggers: boolean;
  /** A user function behind an assignment or implicit cast between built-in types: any expression may run it. */
  hasBuiltinCastCode: boolean;
};

/** One piece of the owner's code a write runs: `function` null when it names none (a rule). */
export type WriteCode = {
  /** What runs, in words: `trigger copy_ssn`, `the default of column x`, `rule r`. */
  source: string;
  /** The relation it is attached to, as `schema.table`: the written one, or one the write reaches. */
  via: string;
  function: RoutineRef | null;
};

/** One row of the catalog's write-code read. */
export type WriteCodeRow = {
  schema: string;
  table: string;
  source: string;
  via: string;
  functionSchema: string | null;
  functionName: string | null;
};

/** One row of the catalog read: a type and a function outside pg_catalog that casting it runs. */
export type TypeCodeRow = {
  typeSchema: string;
  typeName: string;
  functionSchema: string;
  functionName: string;
};

/** The catalog read's rows, as lookups. */
export function upstreamCode(rows: {
  writeRunsCode: readonly { schema: string; table: string }[];
  readRunsCode?: readonly { schema: string; table: string }[];
  writeSetsSettings?: readonly { schema: string; table: string }[];
  writeCode?: readonly WriteCodeRow[];
  userFunctions: readonly { schema: string; name: string }[];
  userOperators: readonly { schema: string; name: string }[];
  typeCode: readonly TypeCodeRow[];
  hasEventTriggers: boolean;
  hasBuiltinCastCode?: boolean;
}): UpstreamCode {
  const readRunsCode = rows.readRunsCode ?? [];
  const writeSetsSettings = rows.writeSetsSettings ?? [];
  const castFunctions = new Map<string, RoutineRef[]>();
  for (const row of rows.typeCode) {
    const fn = { schema: row.functionSchema, name: row.functionName };
    for (const key of [row.typeName, `${row.typeSchema}.${row.typeName}`]) {
      castFunctions.set(key, [...(castFunctions.get(key) ?? []), fn]);
    }
  }
  return {
    writeRunsCode: new Set(rows.writeRunsCode.map((r) => `${r.schema}.${r.table}`)),
    writeRunsCodeNames: new Set(rows.writeRunsCode.map((r) => r.table)),
    readRunsCode: new Set(readRunsCode.map((r) => `${r.schema}.${r.table}`)),
    readRunsCodeNames: new Set(readRunsCode.map((r) => r.table)),
    writeSetsSettings: new Set(writeSetsSettings.map((r) => `${r.schema}.${r.table}`)),
    writeSetsSettingsNames: new Set(writeSetsSettings.map((r) => r.table)),
    writeCode: writeCodeOf(rows.writeCode ?? []),
    userFunctions: bySchema(rows.userFunctions),
    userOperators: bySchema(rows.userOperators),
    castFunctions,
    hasEventTriggers: rows.hasEventTriggers,
    hasBuiltinCastCode: rows.hasBuiltinCastCode === true,
  };
}

function writeCodeOf(rows: readonly WriteCodeRow[]): Map<string, WriteCode[]> {
  const out = new Map<string, WriteCode[]>();
  for (const row of rows) {
    const fn =
      row.functionSchema !== null && row.functionName !== null
        ? { schema: row.functionSchema, name: row.functionName }
        : null;
    const code = { source: row.source, via: row.via, function: fn };
    for (const key of [row.table, `${row.schema}.${row.table}`])
      out.set(key, [...(out.get(key) ?? []), code]);
  }
  return out;
}

function bySchema(rows: readonly { schema: string; name: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of rows) out.set(row.name, [...(out.get(row.name) ?? []), row.schema]);
  return out;
}

/** The functions casting to this type may run: a type named without a schema matches any schema's. */
export function castFunctionsOf(code: UpstreamCode, type: RoutineRef): readonly RoutineRef[] {
  const key = type.schema === null ? type.name : `${type.schema}.${type.name}`;
  return code.castFunctions.get(key) ?? [];
}

/**
 * The setting changes a statement's writes make through views over pg_settings, which the
 * statement's text cannot show (`CREATE VIEW s AS SELECT * FROM pg_settings; UPDATE s SET …`): one
 * change of a setting nobody can name per such write. An unqualified name matches every schema's.
 */
export function settingsWrittenThroughViews(
  facts: Pick<StatementFacts, "tablesWritten">,
  code: UpstreamCode | undefined,
): SettingChange[] {
  if (!code) return [];
  return facts.tablesWritten
    .filter((table) =>
      table.schema === null || table.schema === "pg_temp"
        ? code.writeSetsSettingsNames.has(table.name)
        : code.writeSetsSettings.has(`${table.schema}.${table.name}`),
    )
    .map(() => ({ name: "*", value: null, via: "pg_settings" as const }));
}
