/**
 * Tables a write to a referenced table changes through foreign keys, followed transitively (a
 * cascade's DELETE cascades again): `changes` by DELETE or UPDATE (the keys' CASCADE, SET NULL,
 * SET DEFAULT actions), `truncates` by TRUNCATE … CASCADE (every key). Keyed by `schema.table`,
 * lower-cased when `isCaseFolded` (MySQL's catalog); the tables reached are named as listed.
 */
export type ForeignKeyCascades = ReadonlyMap<
  string,
  { readonly changes: readonly string[]; readonly truncates: readonly string[] }
> & {
  readonly isCaseFolded?: boolean;
  /**
   * Whether the rows a cascade changes fire the referencing table's triggers: PostgreSQL's do (its
   * actions are statements on that table), InnoDB's do not (the engine changes the rows itself).
   */
  readonly firesTriggers?: boolean;
};

/** One foreign key: `referencing` rows point at `referenced` rows; `changes`: its actions cascade. */
export type ForeignKeyEdge = { referenced: string; referencing: string; changes: boolean };

export function foreignKeyCascades(
  keys: readonly ForeignKeyEdge[],
  isCaseFolded = false,
  firesTriggers = true,
): ForeignKeyCascades {
  const key = (name: string) => (isCaseFolded ? name.toLowerCase() : name);
  const reach = (edges: readonly ForeignKeyEdge[], from: string): string[] => {
    const seen = new Map<string, string>([[key(from), from]]);
    const queue = [key(from)];
    for (let at = queue.pop(); at !== undefined; at = queue.pop())
      for (const edge of edges)
        if (key(edge.referenced) === at && !seen.has(key(edge.referencing))) {
          seen.set(key(edge.referencing), edge.referencing);
          queue.push(key(edge.referencing));
        }
    seen.delete(key(from));
    return [...seen.values()];
  };
  const changing = keys.filter((edge) => edge.changes);
  const out = new Map<string, { changes: string[]; truncates: string[] }>();
  for (const edge of keys) {
    if (out.has(key(edge.referenced))) continue;
    out.set(key(edge.referenced), {
      changes: reach(changing, edge.referenced),
      truncates: reach(keys, edge.referenced),
    });
  }
  return Object.assign(out, { isCaseFolded, firesTriggers });
}
