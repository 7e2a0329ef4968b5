/**
 * Generated columns: a column the server computes from other columns of its row (PostgreSQL's
 * `GENERATED ALWAYS AS … STORED`, MariaDB's VIRTUAL and PERSISTENT columns) is those columns under
 * another name. Every rule that follows a column (masking selectors, strict mode, the masked-copy
 * guard, review and COLUMN rules) follows it into the columns computed from it, through any chain.
 */

/** What one generated column is computed from: names of its row's columns, or "opaque" (code nobody can read). */
export type GeneratedInputs = readonly string[] | "opaque";

/** One relation's generated columns, by the name the server stores. */
export type GeneratedRelation = {
  schema: string;
  table: string;
  columns: ReadonlyMap<string, GeneratedInputs>;
};

/**
 * The upstream's generated columns. `isCaseFolded`: the server matches column names in any case
 * (MySQL), so keys and names are lower-cased. `isUnknown`: the catalog could not be read, so any
 * column may be one computed from any other (fail closed).
 */
export type GeneratedColumns = {
  /** `schema.table` (lower-cased when case-folded) → its generated columns. */
  readonly relations: ReadonlyMap<string, GeneratedRelation>;
  readonly isCaseFolded: boolean;
  readonly isUnknown?: boolean;
};

/** Nothing is known: every column counts as computed from every column of its row. */
export const UNKNOWN_GENERATED: GeneratedColumns = {
  relations: new Map(),
  isCaseFolded: true,
  isUnknown: true,
};

function relationOf(generated: GeneratedColumns, schema: string, table: string) {
  const key = `${schema}.${table}`;
  return generated.relations.get(generated.isCaseFolded ? key.toLowerCase() : key);
}

/**
 * Whether `column` of the relation is computed, directly or through other generated columns, from
 * a column `covers` accepts, or by code nobody can read (then it may hold any of them).
 */
export function isComputedFrom(
  generated: GeneratedColumns | undefined,
  source: { schema: string; table: string; column: string },
  covers: (column: string) => boolean,
): boolean {
  if (!generated) return false;
  if (generated.isUnknown) return true;
  const relation = relationOf(generated, source.schema, source.table);
  if (!relation) return false;
  const fold = (name: string) => (generated.isCaseFolded ? name.toLowerCase() : name);
  const seen = new Set<string>();
  const pending = [fold(source.column)];
  while (pending.length > 0) {
    const at = pending.pop() as string;
    if (seen.has(at)) continue;
    seen.add(at);
    const inputs = relation.columns.get(at);
    if (inputs === undefined) continue;
    if (inputs === "opaque") return true;
    for (const input of inputs) {
      if (covers(input)) return true;
      pending.push(fold(input));
    }
  }
  return false;
}

/**
 * Whether writing `column` of the relation changes a column `covers` accepts: a generated column is
 * written whenever one of its inputs is.
 */
export function writesInto(
  generated: GeneratedColumns | undefined,
  target: { schema: string; table: string; column: string },
  covers: (column: string) => boolean,
): boolean {
  if (!generated) return false;
  if (generated.isUnknown) return true;
  const relation = relationOf(generated, target.schema, target.table);
  if (!relation) return false;
  const written = generated.isCaseFolded ? target.column.toLowerCase() : target.column;
  for (const column of relation.columns.keys()) {
    if (!covers(column)) continue;
    const at = { schema: target.schema, table: target.table, column };
    if (isComputedFrom(generated, at, (input) => input === written)) return true;
  }
  return false;
}

/** Every generated column, each with its relation's names. */
export function* generatedColumnsOf(
  generated: GeneratedColumns | undefined,
): Generator<{ schema: string; table: string; column: string }> {
  for (const relation of generated?.relations.values() ?? []) {
    for (const column of relation.columns.keys())
      yield { schema: relation.schema, table: relation.table, column };
  }
}
