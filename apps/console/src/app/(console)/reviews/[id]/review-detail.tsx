"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { api, fieldErrors } from "@/client/api";
import {
  Badge,
  buttonClass,
  Card,
  dangerButtonClass,
  ErrorBanner,
  Field,
  FormError,
  inputClass,
  PageHeader,
  TextField,
} from "@/client/ui";
import { Countdown } from "../countdown";
import { formatSql } from "./format-sql";

type Review = {
  id: string;
  number: number;
  status: string;
  statement: string;
  facts: { kinds?: string[]; tables?: string[]; columns?: string[]; reason?: string };
  maskingPlan: { maskedTables?: string[] };
  isBlocking: boolean;
  requestedAt: string;
  expiresAt: string;
  agentName: string;
  connectionName: string;
  rule: { name: string; mode: string; minApprovals: number; reviewerGroups: string[] } | null;
  decisions: {
    reviewer: string;
    verdict: string;
    reason: string | null;
    grantKind: string;
    windowMinutes: number | null;
    at: string;
  }[];
  canDecide: boolean;
};

export function ReviewDetail({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const review = useQuery({
    queryKey: ["review", id],
    queryFn: () => api<Review>(`/reviews/${id}`),
    refetchInterval: 2_000,
  });
  const [form, setForm] = useState({ grantKind: "ONCE", windowMinutes: "15", reason: "" });
  const decide = useMutation({
    mutationFn: (verdict: "APPROVE" | "DENY") =>
      api(`/reviews/${id}/decision`, {
        method: "POST",
        body: {
          verdict,
          grantKind: form.grantKind,
          windowMinutes: form.grantKind === "WINDOW" ? Number(form.windowMinutes) : null,
          reason: form.reason || null,
        },
      }),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ["review", id] }),
        queryClient.invalidateQueries({ queryKey: ["reviews"] }),
      ]),
  });
  const errors = fieldErrors(decide.error);
  const data = review.data;
  if (!data) return <ErrorBanner error={review.error} />;
  const submit = (verdict: "APPROVE" | "DENY") => (event: FormEvent) => {
    event.preventDefault();
    decide.mutate(verdict);
  };
  return (
    <>
      <PageHeader
        title={`Review R-${data.number}`}
        description={
          <>
            {data.agentName} on {data.connectionName} · requested{" "}
            {new Date(data.requestedAt).toLocaleString()} ·{" "}
            {data.status === "PENDING" ? (
              <span data-testid="review-expiry">
                expires <Countdown until={data.expiresAt} />
              </span>
            ) : (
              `expired or decided (expiry was ${new Date(data.expiresAt).toLocaleString()})`
            )}
          </>
        }
        action={
          <Link href="/reviews" className="text-sm text-sky-700 underline">
            All reviews
          </Link>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card title="Statement">
            <pre
              data-testid="review-statement"
              className="overflow-x-auto whitespace-pre-wrap rounded bg-slate-900 p-3 font-mono text-sm text-slate-50"
            >
              {formatSql(data.statement)}
            </pre>
            {data.facts.reason ? <p className="mt-2 text-sm text-slate-600">{data.facts.reason}</p> : null}
          </Card>
          <Card title="What it touches">
            <dl className="grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
              <dt className="text-slate-500">Kinds</dt>
              <dd>{data.facts.kinds?.join(", ") || "—"}</dd>
              <dt className="text-slate-500">Tables</dt>
              <dd>{data.facts.tables?.join(", ") || "—"}</dd>
              <dt className="text-slate-500">Columns</dt>
              <dd className="font-mono text-xs">{data.facts.columns?.join(", ") || "—"}</dd>
              <dt className="text-slate-500">Masking</dt>
              <dd data-testid="review-masking">
                {data.maskingPlan.maskedTables?.length
                  ? `masked columns of ${data.maskingPlan.maskedTables.join(", ")} stay masked`
                  : "no masking applies"}
              </dd>
            </dl>
          </Card>
        </div>
        <div className="space-y-6">
          <Card title="Decision">
            <p className="mb-3 text-sm">
              Status:{" "}
              <Badge tone={data.status === "PENDING" ? "amber" : data.status === "DENIED" ? "red" : "green"}>
                {data.status.toLowerCase()}
              </Badge>
            </p>
            {data.rule ? (
              <p className="mb-3 text-sm text-slate-600">
                Rule <strong>{data.rule.name}</strong>: {data.rule.mode === "ALL_OF" ? "all of" : "any of"}{" "}
                {data.rule.reviewerGroups.join(", ")}, {data.rule.minApprovals} approval
                {data.rule.minApprovals > 1 ? "s" : ""}
              </p>
            ) : null}
            {data.canDecide ? (
              <form className="space-y-3" onSubmit={submit("APPROVE")} noValidate>
                <fieldset className="space-y-1 text-sm">
                  <legend className="font-medium text-slate-700">Grant</legend>
                  <label className="flex items-center gap-2">
                    <input
                      type="radio"
                      name="grant"
                      checked={form.grantKind === "ONCE"}
                      onChange={() => setForm({ ...form, grantKind: "ONCE" })}
                    />
                    This statement, once
                  </label>
                  <label className="flex items-center gap-2">
                    <input
                      type="radio"
                      name="grant"
                      checked={form.grantKind === "WINDOW"}
                      onChange={() => setForm({ ...form, grantKind: "WINDOW" })}
                    />
                    This rule for a window
                  </label>
                </fieldset>
                {form.grantKind === "WINDOW" ? (
                  <TextField
                    id="window-minutes"
                    label="Window (minutes)"
                    error={errors.windowMinutes}
                    type="number"
                    value={form.windowMinutes}
                    onChange={(value) => setForm({ ...form, windowMinutes: value })}
                  />
                ) : null}
                <button type="submit" className={buttonClass} disabled={decide.isPending}>
                  Approve
                </button>
                <Field
                  id="deny-reason"
                  label="Reason (required to deny; the agent sees it)"
                  error={errors.reason}
                >
                  <textarea
                    id="deny-reason"
                    className={`${inputClass} h-20`}
                    value={form.reason}
                    aria-invalid={Boolean(errors.reason)}
                    onChange={(event) => setForm({ ...form, reason: event.target.value })}
                  />
                </Field>
                <button
                  type="button"
                  className={dangerButtonClass}
                  disabled={decide.isPending}
                  onClick={submit("DENY")}
                >
                  Deny
                </button>
                <FormError error={decide.error} />
              </form>
            ) : (
              <p className="text-sm text-slate-500">
                {data.status === "PENDING"
                  ? "You are not one of this rule's reviewers, or you have decided already."
                  : "Decided."}
              </p>
            )}
          </Card>
          <Card title="History">
            {data.decisions.length === 0 ? <p className="text-sm text-slate-500">No decisions yet.</p> : null}
            <ul className="space-y-2 text-sm">
              {data.decisions.map((decision) => (
                <li key={`${decision.reviewer}-${decision.at}`}>
                  <Badge tone={decision.verdict === "APPROVE" ? "green" : "red"}>
                    {decision.verdict.toLowerCase()}
                  </Badge>{" "}
                  {decision.reviewer}
                  {decision.verdict === "APPROVE"
                    ? ` (${decision.grantKind === "WINDOW" ? `window ${decision.windowMinutes} min` : "once"})`
                    : ""}{" "}
                  <time dateTime={decision.at} className="text-xs text-slate-500" data-testid="decision-at">
                    {new Date(decision.at).toLocaleString()}
                  </time>
                  {decision.reason ? <span className="block text-slate-600">“{decision.reason}”</span> : null}
                </li>
              ))}
            </ul>
          </Card>
        </div>
      </div>
    </>
  );
}
