import { matchesSelector } from "@sluice/masking/selector";
import { maskValue } from "@sluice/masking/strategies";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { exampleForColumn } from "./example-value";
import { openUpstream } from "./open-upstream";
import { assertCan } from "./permissions";

export const ZMaskingPreviewInput = z.object({
  connectionId: z.string().min(1, "pick a connection"),
  /** `schema.table`; absent: only the list of tables is returned. */
  table: z.string().trim().optional(),
});

/** A fixed key for example hashes: the preview must never show the gateway's real keyed hash. */
const EXAMPLE_KEY = Buffer.alloc(32, 7);
const TEXT_OID = 25;

const TABLES_SQL = `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','v','m','f') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  ORDER BY 1, 2 LIMIT 2000`;
const COLUMNS_SQL = `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

/**
 * Which columns of an upstream table the connection's enabled rules mask, how, and for whom they
 * stay clear, read from the upstream's catalog with the brokered credentials. No row data is read.
 */
export async function previewMasking(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "policy:read");
  const input = parseInput(ZMaskingPreviewInput, options.input);
  const connection = await context.db.connection.findUnique({ where: { id: input.connectionId } });
  if (!connection)
    throw new AdminError("invalid", "some fields need attention", { connectionId: "no such connection" });
  const rules = await context.db.maskingRule.findMany({
    where: {
      isEnabled: true,
      columnSelector: { not: null },
      OR: [{ connectionId: null }, { connectionId: connection.id }],
    },
    include: { exemptions: { include: { group: true } } },
    orderBy: { createdAt: "asc" },
  });
  let client: Awaited<ReturnType<typeof openUpstream>>;
  try {
    client = await openUpstream(connection, context.secretKey, "sluice-masking-preview");
  } catch (error) {
    throw new AdminError(
      "unavailable",
      `could not reach the upstream: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    const tables = (await client.query<{ schema: string; name: string }>(TABLES_SQL)).rows.map(
      (row) => `${row.schema}.${row.name}`,
    );
    if (!input.table) return { tables, columns: [] };
    const at = input.table.indexOf(".");
    if (at < 0) throw new AdminError("invalid", "some fields need attention", { table: "schema.table" });
    const [schema, table] = [input.table.slice(0, at), input.table.slice(at + 1)];
    const columns = (await client.query<{ name: string; type: string }>(COLUMNS_SQL, [schema, table])).rows;
    if (columns.length === 0)
      throw new AdminError("invalid", "some fields need attention", {
        table: "no such table on the upstream",
      });
    return {
      tables,
      columns: columns.map((column) => {
        // The first matching rule wins, as in the gateway's plan; a group sees the column in clear
        // only when every matching rule exempts it (otherwise the next rule masks it).
        const matching = rules.filter((candidate) =>
          matchesSelector(candidate.columnSelector ?? "", { schema, table, column: column.name }),
        );
        const rule = matching[0];
        if (!rule) return { column: column.name, type: column.type, masked: false as const };
        const exemptSets = matching.map(
          (candidate) => new Set(candidate.exemptions.map((link) => link.group.name)),
        );
        const before = exampleForColumn(column.name, column.type);
        const example = maskExample(rule, before);
        return {
          column: column.name,
          type: column.type,
          masked: true as const,
          rule: rule.name,
          strategy: rule.strategy,
          example: { before, after: example },
          rules: matching.map((candidate) => candidate.name),
          clearFor: [...(exemptSets[0] ?? [])]
            .filter((group) => exemptSets.every((set) => set.has(group)))
            .sort(),
        };
      }),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** What a strategy makes of an example value, as the gateway's masker writes it (text format). */
export function maskExample(
  rule: { name: string; strategy: "REDACT" | "PARTIAL" | "HASH" | "NULL"; keepLast?: number | null },
  value: string,
): string | null {
  const masked = maskValue(
    { name: rule.name, strategy: rule.strategy, keepLast: rule.keepLast ?? undefined },
    Buffer.from(value),
    TEXT_OID,
    EXAMPLE_KEY,
  );
  return masked === null ? null : masked.toString();
}
