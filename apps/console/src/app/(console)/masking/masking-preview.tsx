"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { Badge, Card, ErrorBanner, Field, inputClass, Table } from "@/client/ui";
import { ConnectionSelect } from "../connection-select";

type Preview = {
  tables: string[];
  columns: Array<
    | { column: string; type: string; masked: false }
    | {
        column: string;
        type: string;
        masked: true;
        rule: string;
        strategy: string;
        example: { before: string; after: string | null };
        clearFor: string[];
      }
  >;
};

/** Pick a connection and a table; see which columns mask, by which rule, and for whom they stay clear. */
export function MaskingPreview() {
  const [connectionId, setConnectionId] = useState<string | null>(null);
  const [table, setTable] = useState("");
  const preview = useQuery({
    queryKey: ["masking-preview", connectionId, table],
    enabled: connectionId !== null,
    queryFn: () =>
      api<Preview>("/masking-preview", { method: "POST", body: { connectionId, table: table || undefined } }),
  });
  return (
    <Card title="Preview">
      <div className="mb-4 grid grid-cols-1 gap-4 md:grid-cols-3">
        <Field id="preview-connection" label="Connection">
          <ConnectionSelect
            id="preview-connection"
            value={connectionId}
            onChange={(id) => {
              setConnectionId(id);
              setTable("");
            }}
          />
        </Field>
        <Field id="preview-table" label="Table">
          <select
            id="preview-table"
            className={inputClass}
            value={table}
            disabled={!preview.data}
            onChange={(event) => setTable(event.target.value)}
          >
            <option value="">Pick a table…</option>
            {preview.data?.tables.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorBanner error={preview.error} />
      {table && preview.data ? (
        <Table head={["Column", "Type", "Masking", "Example", "Clear for"]}>
          {preview.data.columns.map((column) => (
            <tr key={column.column} data-testid={`preview-${column.column}`}>
              <td className="px-2 py-2 font-mono text-xs">{column.column}</td>
              <td className="px-2 py-2 text-xs text-slate-500">{column.type}</td>
              <td className="px-2 py-2">
                {column.masked ? (
                  <span>
                    <Badge tone="amber">{column.strategy.toLowerCase()}</Badge> by {column.rule}
                  </span>
                ) : (
                  <span className="text-slate-500">clear</span>
                )}
              </td>
              <td className="px-2 py-2 font-mono text-xs">
                {column.masked ? `${column.example.before} → ${column.example.after ?? "NULL"}` : ""}
              </td>
              <td className="px-2 py-2">
                {column.masked ? column.clearFor.join(", ") || "nobody" : "everyone"}
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
    </Card>
  );
}
