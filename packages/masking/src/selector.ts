export type ColumnName = { schema: string; table: string; column: string };

/** `schema.table.column` with `*` for any part (`public.customers.*`, `*.*.ssn`). */
export function matchesSelector(selector: string, column: ColumnName): boolean {
  const parts = selector.split(".");
  const [schema, table, name] =
    parts.length === 3 ? parts : parts.length === 2 ? ["*", ...parts] : ["*", "*", ...parts];
  const matches = (pattern: string | undefined, value: string) => pattern === "*" || pattern === value;
  return matches(schema, column.schema) && matches(table, column.table) && matches(name, column.column);
}

/** Does the selector cover any column of this table? */
export function selectorTouchesTable(selector: string, schema: string, table: string): boolean {
  const parts = selector.split(".");
  const [selectorSchema, selectorTable] =
    parts.length === 3 ? parts : parts.length === 2 ? ["*", parts[0]] : ["*", "*"];
  return (
    (selectorSchema === "*" || selectorSchema === schema) &&
    (selectorTable === "*" || selectorTable === table)
  );
}
