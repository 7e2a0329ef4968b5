import type { RelationCatalog, Sources } from "@sluice/sql/column-lineage";
import type { RoutineRef } from "@sluice/sql/facts";
import { mysqlLineage } from "./column-lineage";
import { readMySql } from "./parse";

/** What a view's stored definition reads: per output column (by position), and the functions it calls. */
export type DefinitionLineage = { outputs: readonly Sources[]; functionCalls: readonly RoutineRef[] };

/**
 * A view's definition (information_schema.VIEWS.VIEW_DEFINITION, which MariaDB stores qualified
 * and canonical) read with the same grammar and lineage as an agent's statement, its names
 * resolved against `catalog`. Null when it is not one query Sluice can line up with the view's
 * columns: the view is then untraceable, and masked whole.
 */
export function readViewDefinition(definition: string, catalog: RelationCatalog): DefinitionLineage | null {
  const { parsed, asts } = readMySql(definition);
  const [facts] = parsed.ok ? parsed.statements : [];
  const [ast] = asts;
  if (!facts || !ast || asts.length !== 1 || facts.kind !== "SELECT" || facts.kinds.length !== 1) return null;
  const outputs = mysqlLineage(ast, catalog).outputs;
  return outputs ? { outputs, functionCalls: facts.functionCalls } : null;
}
