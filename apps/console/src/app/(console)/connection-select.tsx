"use client";

import type { ConnectionView } from "@sluice/admin/connection-view";
import { useQuery } from "@tanstack/react-query";
import { api } from "@/client/api";
import { queryKeys } from "@/client/query-keys";
import { inputClass } from "@/client/ui";

/** A connection picker; `allowAll` adds "every connection" (rules that apply everywhere). */
export function ConnectionSelect({
  id,
  value,
  onChange,
  allowAll = false,
  invalid = false,
}: {
  id: string;
  value: string | null;
  onChange: (id: string | null) => void;
  allowAll?: boolean;
  invalid?: boolean;
}) {
  const connections = useConnections();
  return (
    <select
      id={id}
      className={inputClass}
      value={value ?? ""}
      aria-invalid={invalid}
      onChange={(event) => onChange(event.target.value === "" ? null : event.target.value)}
    >
      {allowAll ? <option value="">Every connection</option> : <option value="">Pick a connection…</option>}
      {connections.data?.map((connection) => (
        <option key={connection.id} value={connection.id}>
          {connection.name}
        </option>
      ))}
    </select>
  );
}

export function useConnections() {
  return useQuery({
    queryKey: queryKeys.connections.list(),
    queryFn: () => api<ConnectionView[]>("/connections"),
  });
}

/**
 * The kind of the picked connection, which decides what a rule on it can match; null for "every
 * connection" (database rules: the global rules HTTP connections take are their own kinds).
 */
export function useConnectionType(connectionId: string | null): ConnectionView["type"] | null {
  const connections = useConnections();
  if (!connectionId) return null;
  return connections.data?.find((connection) => connection.id === connectionId)?.type ?? null;
}
