"use client";

import Link from "next/link";
import { Card, EmptyState } from "@/client/ui";
import type { Overview } from "./overview-types";

/** A short ranked list; each entry links to where its rows are (sessions or audit), when given. */
function Ranked({
  title,
  items,
  empty,
}: {
  title: string;
  items: { key: string; label: string; count: string; href: string | null }[];
  empty: string;
}) {
  return (
    <Card title={title}>
      {items.length === 0 ? (
        <EmptyState>{empty}</EmptyState>
      ) : (
        <ol className="space-y-1 text-sm" aria-label={title}>
          {items.map((item) => (
            <li key={item.key} className="flex justify-between gap-2">
              {item.href ? (
                <Link href={item.href} className="truncate text-sky-700 underline">
                  {item.label}
                </Link>
              ) : (
                <span className="truncate">{item.label}</span>
              )}
              <span className="shrink-0 text-slate-600">{item.count}</span>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

export function TopLists({ overview }: { overview: Overview }) {
  const { topAgents, topTables, topRules } = overview;
  return (
    <div className="grid gap-4 md:grid-cols-3">
      {topAgents ? (
        <Ranked
          title="Busiest agents"
          empty="No sessions in this window."
          items={topAgents.map((agent) => ({
            key: agent.name,
            label: agent.name,
            count: `${agent.sessions} sessions · ${agent.denied} denied`,
            href: `/sessions?${new URLSearchParams({ agent: agent.name })}`,
          }))}
        />
      ) : null}
      {topTables ? (
        <Ranked
          title="Most touched tables"
          empty="No table was read or written in this window."
          items={topTables.map((table) => ({
            key: table.name,
            label: table.name,
            count: `${table.count} sessions`,
            href: `/sessions?${new URLSearchParams({ table: table.name })}`,
          }))}
        />
      ) : null}
      {topRules ? (
        <Ranked
          title="Rules that refused most"
          empty="Nothing was refused in this window."
          items={topRules.map((rule) => ({
            key: rule.name,
            label: rule.name,
            count: `${rule.count} denials`,
            href: "/audit?action=statement.denied",
          }))}
        />
      ) : null}
    </div>
  );
}
