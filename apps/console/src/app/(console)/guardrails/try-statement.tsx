"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { buttonClass, Card, Field, FormError, inputClass } from "@/client/ui";
import { ConnectionSelect } from "../connection-select";

type TryResult = {
  verdict:
    | { kind: "allow"; maskedTables: string[] }
    | { kind: "deny"; rule: string; message: string; hint: string | null }
    | { kind: "hold"; rule: string; message: string };
  facts:
    | Array<{
        kind: string;
        kinds: string[];
        tablesRead: string[];
        tablesWritten: string[];
        functions: string[];
      }>
    | { parseError: string };
};

/** Type a statement, see the verdict the gateway would give it now, and the facts it was judged on. */
export function TryStatement() {
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api<AgentView[]>("/agents") });
  const [form, setForm] = useState({ connectionId: null as string | null, agentId: "", statement: "" });
  const run = useMutation({
    mutationFn: () =>
      api<TryResult>("/try-statement", { method: "POST", body: { ...form, agentId: form.agentId || null } }),
  });
  const errors = fieldErrors(run.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    run.mutate();
  };
  const verdict = run.data?.verdict;
  return (
    <Card title="Try a statement">
      <form onSubmit={submit} className="grid grid-cols-1 gap-4 md:grid-cols-2" noValidate>
        <Field id="try-connection" label="Connection" error={errors.connectionId}>
          <ConnectionSelect
            id="try-connection"
            value={form.connectionId}
            invalid={Boolean(errors.connectionId)}
            onChange={(connectionId) => setForm({ ...form, connectionId })}
          />
        </Field>
        <Field
          id="try-agent"
          label="As agent"
          error={errors.agentId}
          hint="Its groups decide masking exemptions"
        >
          <select
            id="try-agent"
            className={inputClass}
            value={form.agentId}
            onChange={(event) => setForm({ ...form, agentId: event.target.value })}
          >
            <option value="">Any agent (no groups)</option>
            {agents.data?.map((agent) => (
              <option key={agent.id} value={agent.id}>
                {agent.name}
              </option>
            ))}
          </select>
        </Field>
        <div className="md:col-span-2">
          <Field id="try-statement" label="Statement" error={errors.statement}>
            <textarea
              id="try-statement"
              className={`${inputClass} h-28 font-mono`}
              value={form.statement}
              aria-invalid={Boolean(errors.statement)}
              placeholder="DELETE FROM orders"
              onChange={(event) => setForm({ ...form, statement: event.target.value })}
            />
          </Field>
        </div>
        <div>
          <button type="submit" className={buttonClass} disabled={run.isPending}>
            Judge it
          </button>
        </div>
      </form>
      <div className="mt-4 space-y-2" aria-live="polite">
        <FormError error={run.error} />
        {verdict ? (
          <div
            data-testid="verdict"
            className={`rounded-md border px-3 py-2 text-sm ${verdict.kind === "allow" ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-red-200 bg-red-50 text-red-900"}`}
          >
            {verdict.kind === "allow" ? (
              <p>
                <strong>Allowed.</strong>{" "}
                {verdict.maskedTables.length
                  ? `Masking applies to ${[...new Set(verdict.maskedTables)].join(", ")}.`
                  : "No masking applies."}
              </p>
            ) : (
              <>
                <p>
                  <strong>{verdict.kind === "deny" ? "Denied" : "Held for review"}</strong> by{" "}
                  <code>{verdict.rule}</code>
                </p>
                <p className="mt-1 font-mono text-xs">{verdict.message}</p>
                {verdict.kind === "deny" && verdict.hint ? (
                  <p className="mt-1 text-xs">Hint: {verdict.hint}</p>
                ) : null}
              </>
            )}
          </div>
        ) : null}
        {run.data && Array.isArray(run.data.facts) ? (
          <ul className="text-xs text-slate-600">
            {run.data.facts.map((facts, index) => (
              <li key={`${facts.kind}-${index}`}>
                {facts.kinds.join(" + ")} · reads {facts.tablesRead.join(", ") || "no table"} · writes{" "}
                {facts.tablesWritten.join(", ") || "nothing"}
                {facts.functions.length ? ` · calls ${facts.functions.join(", ")}` : ""}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </Card>
  );
}
