"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/client/api";
import type { MaskingForm } from "./masking-options";

/** What the strategy being chosen does to a value like the ones the rule matches, before saving. */
export function StrategyExample({ form }: { form: MaskingForm }) {
  const body = {
    strategy: form.strategy,
    keepLast: form.strategy === "PARTIAL" ? Number(form.keepLast) || null : null,
    columnSelector: form.matchBy === "column" ? form.columnSelector : null,
    jsonPointer: form.matchBy === "json" ? form.jsonPointer : null,
    detector: form.matchBy === "detector" ? form.detector : null,
  };
  const example = useQuery({
    queryKey: ["masking-example", body],
    queryFn: () =>
      api<{ before: string; after: string | null }>("/masking-preview/example", { method: "POST", body }),
    placeholderData: keepPreviousData,
  });
  if (!example.data) return null;
  return (
    <p className="text-sm text-slate-600 md:col-span-3" data-testid="strategy-example" aria-live="polite">
      Agents would see <code className="font-mono">{example.data.before}</code> as{" "}
      <code className="font-mono">{example.data.after ?? "NULL"}</code>
      <span className="text-slate-500"> (a made-up value shaped like what the rule matches)</span>
    </p>
  );
}
