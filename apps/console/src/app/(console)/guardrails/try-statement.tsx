"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { buttonClass, Card, Field, FormError, inputClass, SubmitForm } from "@/client/ui";
import { ConnectionSelect } from "../connection-select";

type TryResult = {
  verdict:
    | { kind: "allow"; maskedTables: string[]; note?: string }
    | { kind: "deny"; rule: string; message: string; hint: string | null }
    | {
        kind: "hold";
        rule: string;
        message: string;
        reviewerGroups: string[];
        isBlocking: boolean;
        timeoutSeconds: number;
        maskedTables: string[];
      };
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
  const verdict = run.data?.verdict;
  return (
    <Card title="Try a statement">
      <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-2" onSubmit={() => run.mutate()}>
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
      </SubmitForm>
      <div className="mt-4 space-y-2" aria-live="polite">
        <FormError error={run.error} />
        {verdict ? (
          <div
            data-testid="verdict"
            className={`rounded-md border px-3 py-2 text-sm ${VERDICT_TONE[verdict.kind]}`}
          >
            <VerdictText verdict={verdict} />
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

const VERDICT_TONE: Record<TryResult["verdict"]["kind"], string> = {
  allow: "border-emerald-200 bg-emerald-50 text-emerald-900",
  hold: "border-amber-200 bg-amber-50 text-amber-900",
  deny: "border-red-200 bg-red-50 text-red-900",
};

function maskingScope(tables: string[]): string {
  return tables.length ? `Masking applies to ${[...new Set(tables)].join(", ")}.` : "No masking applies.";
}

/** The verdict in words: what the agent would see, and who decides when a review holds it. */
function VerdictText({ verdict }: { verdict: TryResult["verdict"] }) {
  switch (verdict.kind) {
    case "allow":
      return (
        <p>
          <strong>Allowed.</strong> {verdict.note ? `It ${verdict.note}. ` : ""}
          {maskingScope(verdict.maskedTables)}
        </p>
      );
    case "deny":
      return (
        <>
          <p>
            <strong>Denied</strong> by <code>{verdict.rule}</code>
          </p>
          <p className="mt-1 font-mono text-xs">{verdict.message}</p>
          {verdict.hint ? <p className="mt-1 text-xs">Hint: {verdict.hint}</p> : null}
        </>
      );
    case "hold":
      return (
        <>
          <p>
            <strong>Held for review</strong> by rule <code>{verdict.rule}</code>; reviewers:{" "}
            {verdict.reviewerGroups.join(", ") || "none"}.
          </p>
          <p className="mt-1 text-xs">
            {verdict.isBlocking
              ? `The agent's statement waits for a decision (up to ${Math.max(1, Math.round(verdict.timeoutSeconds / 60))} min), then runs or is refused.`
              : "Non-blocking: the agent is refused at once with a review number, and runs the same statement again once it is approved."}{" "}
            Once approved: {maskingScope(verdict.maskedTables)}
          </p>
          <p className="mt-1 font-mono text-xs">{verdict.message}</p>
        </>
      );
  }
}
