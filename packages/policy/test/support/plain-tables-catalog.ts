import { type CatalogSnapshot, catalogSnapshot } from "@sluice/policy/column-catalog";
import { upstreamCode } from "@sluice/policy/upstream-code";

/**
 * The upstream's catalog as of now: plain tables with one column each, and no view, trigger or
 * function that runs code when they are read or written.
 */
export function catalogOf(tables: Array<[schema: string, table: string]>): CatalogSnapshot {
  return catalogSnapshot(
    tables.map(([schema, table]) => ({ schema, table, column: "id", attnum: 1, isView: false })),
    upstreamCode({
      writeRunsCode: [],
      readRunsCode: [],
      userFunctions: [],
      userOperators: [],
      typeCode: [],
      hasEventTriggers: false,
    }),
    Date.now(),
  );
}
