/**
 * Data goes to stdout, everything else to stderr, so `pnpm -s sluice … | jq` reads clean JSON.
 * `--json` prints the API's answer as it came; without it, lists print as aligned columns.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Column<T> = { header: string; value: (row: T) => string };

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [
    columns.map((column) => column.header),
    ...rows.map((row) => columns.map((c) => c.value(row))),
  ];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => (line[index] ?? "").length)));
  return cells
    .map((line) =>
      line
        .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
  process.stdout.write(`${renderTable(rows, columns)}\n`);
}

export const list = (values: readonly string[]) => (values.length ? values.join(",") : "-");
