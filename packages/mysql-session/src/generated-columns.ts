import type { OwnerCodeReading } from "@sluice/mysql-sql/owner-code-reading";
import {
  type GeneratedColumns,
  type GeneratedInputs,
  type GeneratedRelation,
  UNKNOWN_GENERATED,
} from "@sluice/policy/generated-columns";
import type { UpstreamCatalog } from "./upstream-catalog";

const GENERATED_SOURCE = "generated column ";

const byCatalog = new WeakMap<UpstreamCatalog, GeneratedColumns>();

/**
 * The catalog's generated columns (MariaDB VIRTUAL and PERSISTENT, MySQL VIRTUAL and STORED), each
 * with the columns of its row its GENERATION_EXPRESSION reads, as the MySQL parser resolves it. An
 * expression Sluice cannot read, or one that reads anything but its own row's columns, is opaque.
 * Unknown altogether when the catalog (or its write code) could not be read. One per catalog read.
 */
export function generatedColumnsOf(catalog: UpstreamCatalog | null): GeneratedColumns {
  if (catalog === null || catalog.writeCode === undefined) return UNKNOWN_GENERATED;
  const known = byCatalog.get(catalog);
  if (known) return known;
  const relations = new Map<string, GeneratedRelation & { columns: Map<string, GeneratedInputs> }>();
  for (const [key, pieces] of catalog.writeCode) {
    for (const piece of pieces) {
      if (!piece.source.startsWith(GENERATED_SOURCE) || piece.fills === null) continue;
      const at = piece.via.indexOf(".");
      const schema = piece.via.slice(0, at);
      const table = piece.via.slice(at + 1);
      const relation = relations.get(key) ?? { schema, table, columns: new Map() };
      relation.columns.set(piece.fills.toLowerCase(), inputsOf(piece.reading, key));
      relations.set(key, relation);
    }
  }
  const generated: GeneratedColumns = { relations, isCaseFolded: true };
  byCatalog.set(catalog, generated);
  return generated;
}

/** The own row's columns an expression reads; anything else it reads (or cannot be read) is opaque. */
function inputsOf(reading: OwnerCodeReading, relation: string): GeneratedInputs {
  if (!reading.isReadable || reading.reads.isUnknown) return "opaque";
  const inputs: string[] = [];
  for (const source of reading.reads.columns) {
    const isOwnRow = `${source.schema}.${source.table}`.toLowerCase() === relation;
    if (!isOwnRow || source.column === null) return "opaque";
    inputs.push(source.column.toLowerCase());
  }
  return inputs;
}
