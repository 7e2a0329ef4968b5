const CLAUSES =
  /\s+(?=\b(?:FROM|WHERE|GROUP BY|HAVING|ORDER BY|LIMIT|OFFSET|UNION|EXCEPT|INTERSECT|RETURNING|VALUES|SET|(?:LEFT |RIGHT |FULL |INNER |CROSS )?JOIN|ON CONFLICT)\b)/gi;

/** Puts each main clause on its own line, for reading; the text itself is shown unchanged otherwise. */
export function formatSql(sql: string): string {
  return sql.trim().replace(CLAUSES, "\n");
}
