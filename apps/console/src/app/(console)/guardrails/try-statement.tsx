"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { queryKeys } from "@/client/query-keys";
import { buttonClass, Card, Field, FormError, inputClass, SubmitForm } from "@/client/ui";
import { ConnectionSelect, useConnectionType } from "../connection-select";
import { METHODS_WITH_BODY, TryHttpFields } from "./try-http-fields";
import { type TryVerdict, VerdictBox } from "./verdict-text";

type StatementFacts = {
  kind: string;
  kinds: string[];
  tablesRead: string[];
  tablesWritten: string[];
  functions: string[];
};
type TryStatementResult = {
  verdict: TryVerdict;
  facts: StatementFacts[] | { parseError: string };
  /** Why the verdict was given without the upstream's catalog, when the console could not read it. */
  catalogProblem: string | null;
};
type TryHttpResult = { verdict: TryVerdict; call: string | null; masking: string[] };

export type TryForm = {
  connectionId: string | null;
  agentId: string;
  statement: string;
  method: string;
  path: string;
  headers: string;
  body: string;
};

/**
 * Type a statement (or, on an HTTP connection, a call: method, path, headers, body) and see the verdict the
 * gateway would give it now, from its own decision code over the stored policy, and what it was
 * judged on. Nothing runs upstream; a review rule's match shows as the hold it would be.
 */
export function TryStatement() {
  const agents = useQuery({ queryKey: queryKeys.agents.list(), queryFn: () => api<AgentView[]>("/agents") });
  const [form, setForm] = useState<TryForm>({
    connectionId: null,
    agentId: "",
    statement: "",
    method: "GET",
    path: "/",
    headers: "",
    body: "",
  });
  const isHttp = useConnectionType(form.connectionId) === "HTTP";
  const run = useMutation({
    mutationFn: (): Promise<{ http: TryHttpResult } | { sql: TryStatementResult }> => {
      const common = { connectionId: form.connectionId, agentId: form.agentId || null };
      return isHttp
        ? api<TryHttpResult>("/try-http-request", {
            method: "POST",
            body: {
              ...common,
              method: form.method,
              path: form.path,
              headers: form.headers || null,
              body: METHODS_WITH_BODY.has(form.method) ? form.body || null : null,
            },
          }).then((http) => ({ http }))
        : api<TryStatementResult>("/try-statement", {
            method: "POST",
            body: { ...common, statement: form.statement },
          }).then((sql) => ({ sql }));
    },
  });
  const errors = fieldErrors(run.error);
  // A result for the other kind of connection than the one now picked is not shown as this one's.
  const result = run.data && "http" in run.data === isHttp ? run.data : null;
  return (
    <Card title={isHttp ? "Try an HTTP call" : "Try a statement"}>
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
        {isHttp ? (
          <TryHttpFields form={form} errors={errors} onChange={setForm} />
        ) : (
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
        )}
        <div>
          <button type="submit" className={buttonClass} disabled={run.isPending}>
            Judge it
          </button>
        </div>
      </SubmitForm>
      <div className="mt-4 space-y-2" aria-live="polite">
        <FormError error={run.error} />
        {result && "http" in result ? <HttpResult result={result.http} /> : null}
        {result && "sql" in result ? <StatementResult result={result.sql} /> : null}
      </div>
    </Card>
  );
}

function StatementResult({ result }: { result: TryStatementResult }) {
  return (
    <>
      <VerdictBox verdict={result.verdict} />
      {result.catalogProblem ? (
        <p className="text-xs text-amber-800" data-testid="catalog-problem">
          {result.catalogProblem}
        </p>
      ) : null}
      {Array.isArray(result.facts) ? (
        <ul className="text-xs text-slate-600">
          {result.facts.map((facts, index) => (
            <li key={`${facts.kind}-${index}`}>
              {facts.kinds.join(" + ")} · reads {facts.tablesRead.join(", ") || "no table"} · writes{" "}
              {facts.tablesWritten.join(", ") || "nothing"}
              {facts.functions.length ? ` · calls ${facts.functions.join(", ")}` : ""}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function HttpResult({ result }: { result: TryHttpResult }) {
  const masking = result.masking.length
    ? `The response is masked by ${result.masking.join(", ")}.`
    : "No masking applies to the response.";
  return (
    <>
      <VerdictBox verdict={result.verdict} masking={masking} />
      {result.call ? (
        <p className="text-xs text-slate-600" data-testid="judged-call">
          Judged as <code className="font-mono">{result.call}</code>
        </p>
      ) : null}
    </>
  );
}
