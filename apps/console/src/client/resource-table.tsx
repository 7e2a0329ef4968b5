"use client";

import type { ReactNode } from "react";
import { Card, EmptyState, Table } from "./ui";

/**
 * The list of a resource page: a card, a message when there is nothing yet, and one row per item
 * whose last cell holds the row's actions (named buttons, confirmations), right-aligned and wrapping
 * so none hides behind a horizontal scroll.
 */
export function ResourceTable<Row extends { id: string }>({
  title,
  rows,
  head,
  empty,
  rowTestId,
  cells,
  actions,
  children,
}: {
  title?: string;
  /** What sits in the card above the list, such as the form that adds to it. */
  children?: ReactNode;
  /** Undefined while the list loads (the server's skeleton covers the first load). */
  rows: Row[] | undefined;
  /** Column headings, without the actions column. */
  head: string[];
  empty: ReactNode;
  rowTestId?: (row: Row) => string;
  /** The row's cells, as `<td>`s. */
  cells: (row: Row) => ReactNode;
  actions: (row: Row) => ReactNode;
}) {
  return (
    <Card title={title}>
      {children}
      {rows?.length === 0 ? (
        <EmptyState>{empty}</EmptyState>
      ) : (
        <Table head={[...head, "Actions"]}>
          {rows?.map((row) => (
            <tr key={row.id} data-testid={rowTestId?.(row)}>
              {cells(row)}
              <td className="px-2 py-2">
                <div className="flex flex-wrap justify-end gap-2">{actions(row)}</div>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
