import { type FollowedColumns, unknownFollowedColumns } from "@sluice/policy/followed-columns";
import { type ForeignKeyCascades, foreignKeyCascades } from "@sluice/policy/foreign-key-cascades";
import type { ViewRead, ViewReads, ViewSource } from "@sluice/policy/view-reads";
import { generatedColumnsOf } from "./generated-columns";
import { triggerWritesOf } from "./trigger-writes";
import { type ForeignKeyRow, SYSTEM_SCHEMAS, type UpstreamCatalog } from "./upstream-catalog";

const byCatalog = new WeakMap<UpstreamCatalog, FollowedColumns>();

/**
 * What review rules and COLUMN guardrails follow a column into, from one catalog read: generated
 * columns, and each view's reads as the masking lineage traced them (`view-lineage.ts`: the
 * definition read with the agent's grammar, views over views, 32 levels). A view that cannot be
 * traced — or whose name the catalog cannot tell apart from another's — counts as reading every
 * column, with the reason. TABLE rules on writes follow a write through the same views, foreign
 * keys' cascades and the tables triggers write (`trigger-writes.ts`). Unknown altogether (every
 * relation may be such a view) when the catalog could not be read. One per catalog read.
 */
export function followedColumnsOf(catalog: UpstreamCatalog | null): FollowedColumns {
  if (catalog === null) return unknownFollowedColumns();
  const known = byCatalog.get(catalog);
  if (known) return known;
  const reads = new Map<string, ViewRead>();
  for (const [key, kind] of catalog.relations) {
    if (kind === "view") reads.set(key, viewRead(catalog, key));
  }
  const viewReads: ViewReads = Object.assign(reads, { isCaseFolded: true });
  const followed = {
    generated: generatedColumnsOf(catalog),
    viewReads,
    ...(catalog.foreignKeys ? { cascades: cascadesOf(catalog.foreignKeys) } : {}),
    ownerWrites: triggerWritesOf(catalog),
  };
  byCatalog.set(catalog, followed);
  return followed;
}

/** Every stored column the view's columns read, or opaque with why. */
function viewRead(catalog: UpstreamCatalog, key: string): ViewRead {
  const trace = catalog.views.get(key);
  const why = catalog.views.whyUntraceable?.get(key);
  if (trace === undefined) {
    const schema = key.slice(0, key.indexOf("."));
    // The catalog read leaves out the views of databases named as the server's own (`Sys`, `sys`).
    if (SYSTEM_SCHEMAS.has(schema))
      return { whyOpaque: `its database ${schema} is left out of the catalog read, so it is not traced` };
    // catalogOf leaves out a view whose lower-cased name another relation shares.
    return { whyOpaque: "its name differs from another relation's only in case, so it is not traced" };
  }
  if (trace === null || why !== undefined) return { whyOpaque: why ?? "Sluice cannot trace it" };
  const sources: ViewSource[] = [];
  for (const column of trace.values()) {
    for (const source of column.columns) {
      // Kept as the definition names them: the rule's table pattern is matched as on a direct read.
      sources.push({ schema: source.schema, table: source.table, column: source.column });
    }
  }
  return sources;
}

/** Actions that change the referencing rows when the referenced one is deleted or updated. */
const CHANGING_ACTIONS = new Set(["CASCADE", "SET NULL", "SET DEFAULT"]);

/**
 * InnoDB's foreign keys as the policy follows them (names compared case-folded, as relations are).
 * The rows a cascade changes fire no trigger: "cascaded foreign key actions do not activate
 * triggers" (MySQL's and MariaDB's manuals; mysql-bypass-table-cascades.int.test.ts).
 */
function cascadesOf(keys: readonly ForeignKeyRow[]): ForeignKeyCascades {
  return foreignKeyCascades(
    keys.map((key) => ({
      referenced: `${key.referencedSchema}.${key.referencedTable}`,
      referencing: `${key.schema}.${key.table}`,
      changes:
        CHANGING_ACTIONS.has(key.onDelete.toUpperCase()) || CHANGING_ACTIONS.has(key.onUpdate.toUpperCase()),
    })),
    true,
    false,
  );
}
