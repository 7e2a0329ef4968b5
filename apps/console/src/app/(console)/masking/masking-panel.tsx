"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useToast } from "@/client/toast";
import {
  Badge,
  buttonClass,
  Card,
  EmptyState,
  ErrorBanner,
  Field,
  FormError,
  inputClass,
  PageHeader,
  SubmitForm,
  splitNames,
  Table,
  TextField,
} from "@/client/ui";
import { ConnectionSelect } from "../connection-select";

type MaskingRuleView = {
  id: string;
  name: string;
  connectionName: string | null;
  columnSelector: string | null;
  detector: string | null;
  strategy: string;
  keepLast: number | null;
  isEnabled: boolean;
  exemptGroups: string[];
};

const DETECTORS = [
  { value: "email", label: "email addresses" },
  { value: "phone", label: "phone numbers" },
  { value: "us_ssn", label: "US social security numbers" },
  { value: "payment_card", label: "payment cards (Luhn)" },
  { value: "iban", label: "IBANs (checksum)" },
  { value: "ip", label: "IP addresses" },
  { value: "jwt", label: "JSON web tokens" },
  { value: "cloud_key", label: "cloud API keys" },
  { value: "private_key", label: "private keys" },
];

const STRATEGIES = [
  { value: "REDACT", label: "Redact (fixed placeholder)" },
  { value: "PARTIAL", label: "Partial (keep the last N characters)" },
  { value: "HASH", label: "Keyed hash (joinable, not reversible)" },
  { value: "NULL", label: "Null" },
];

export function MaskingPanel() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const rules = useQuery({
    queryKey: ["masking-rules"],
    queryFn: () => api<MaskingRuleView[]>("/masking-rules"),
  });
  const [form, setForm] = useState({
    name: "",
    connectionId: null as string | null,
    matchBy: "column" as "column" | "detector",
    columnSelector: "",
    detector: "email",
    strategy: "REDACT",
    keepLast: "4",
    exemptGroups: "",
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["masking-rules"] });
  const save = useMutation({
    mutationFn: () =>
      api("/masking-rules", {
        method: "POST",
        body: {
          name: form.name,
          connectionId: form.connectionId,
          strategy: form.strategy,
          columnSelector: form.matchBy === "column" ? form.columnSelector : null,
          detector: form.matchBy === "detector" ? form.detector : null,
          keepLast: form.strategy === "PARTIAL" ? Number(form.keepLast) : null,
          exemptGroups: splitNames(form.exemptGroups),
        },
      }),
    onSuccess: () => {
      toast(`Masking rule ${form.name} saved`);
      setForm({ ...form, name: "", columnSelector: "", exemptGroups: "" });
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/masking-rules/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast("Masking rule deleted");
      return refresh();
    },
  });
  const errors = fieldErrors(save.error);

  return (
    <>
      <PageHeader
        title="Masking"
        description="Columns whose values never reach agents in clear. The gateway rewrites each row as it passes; an exempt agent group sees clear values, and that shows here and in recordings."
      />
      <Card title="New masking rule">
        <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-3" onSubmit={() => save.mutate()}>
          <TextField
            id="masking-name"
            label="Name"
            error={errors.name}
            value={form.name}
            onChange={(value) => setForm({ ...form, name: value })}
          />
          <Field id="masking-connection" label="Connection" error={errors.connectionId}>
            <ConnectionSelect
              id="masking-connection"
              value={form.connectionId}
              allowAll
              onChange={(connectionId) => setForm({ ...form, connectionId })}
            />
          </Field>
          <Field id="masking-match" label="Match by">
            <select
              id="masking-match"
              className={inputClass}
              value={form.matchBy}
              onChange={(event) => setForm({ ...form, matchBy: event.target.value as "column" | "detector" })}
            >
              <option value="column">column selector</option>
              <option value="detector">content detector (values whose origin is unknown)</option>
            </select>
          </Field>
          {form.matchBy === "detector" ? (
            <Field id="masking-detector" label="Detector" error={errors.detector}>
              <select
                id="masking-detector"
                className={inputClass}
                value={form.detector}
                onChange={(event) => setForm({ ...form, detector: event.target.value })}
              >
                {DETECTORS.map((detector) => (
                  <option key={detector.value} value={detector.value}>
                    {detector.label}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          {form.matchBy === "column" ? (
            <Field
              id="masking-selector"
              label="Column selector"
              error={errors.columnSelector}
              hint="schema.table.column, * for any part: public.customers.email, *.*.ssn"
            >
              <input
                id="masking-selector"
                className={`${inputClass} font-mono`}
                value={form.columnSelector}
                aria-invalid={Boolean(errors.columnSelector)}
                onChange={(event) => setForm({ ...form, columnSelector: event.target.value })}
              />
            </Field>
          ) : null}
          <Field id="masking-strategy" label="Strategy" error={errors.strategy}>
            <select
              id="masking-strategy"
              className={inputClass}
              value={form.strategy}
              onChange={(event) => setForm({ ...form, strategy: event.target.value })}
            >
              {STRATEGIES.map((strategy) => (
                <option key={strategy.value} value={strategy.value}>
                  {strategy.label}
                </option>
              ))}
            </select>
          </Field>
          {form.strategy === "PARTIAL" ? (
            <TextField
              id="masking-keep"
              label="Characters left visible"
              error={errors.keepLast}
              type="number"
              value={form.keepLast}
              onChange={(value) => setForm({ ...form, keepLast: value })}
            />
          ) : null}
          <TextField
            id="masking-exempt"
            label="Exempt agent groups"
            error={errors.exemptGroups}
            hint="Comma-separated; these groups see clear values"
            value={form.exemptGroups}
            onChange={(value) => setForm({ ...form, exemptGroups: value })}
          />
          <div className="md:col-span-3">
            <button type="submit" className={buttonClass} disabled={save.isPending}>
              Add masking rule
            </button>
          </div>
          <div className="md:col-span-3">
            <FormError error={save.error} />
          </div>
        </SubmitForm>
      </Card>
      <ErrorBanner error={rules.error ?? remove.error} />
      <Card title="Rules">
        {rules.data?.length === 0 ? (
          <EmptyState>
            No masking rules: every column reaches agents in clear. Add one for each sensitive column.
          </EmptyState>
        ) : (
          <Table head={["Name", "Connection", "Selector", "Strategy", "Exempt groups", ""]}>
            {rules.data?.map((rule) => (
              <tr key={rule.id} data-testid={`masking-rule-${rule.name}`}>
                <td className="px-2 py-2 font-medium">
                  {rule.name} {rule.isEnabled ? null : <Badge>disabled</Badge>}
                </td>
                <td className="px-2 py-2">
                  {rule.connectionName ?? <span className="text-slate-500">every connection</span>}
                </td>
                <td className="px-2 py-2 font-mono text-xs">
                  {rule.columnSelector ?? `detector: ${rule.detector}`}
                </td>
                <td className="px-2 py-2">
                  {rule.strategy.toLowerCase()}
                  {rule.keepLast ? ` (last ${rule.keepLast})` : ""}
                </td>
                <td className="px-2 py-2">
                  {rule.exemptGroups.length ? (
                    rule.exemptGroups.map((group) => (
                      <Badge key={group} tone="amber">
                        {group}
                      </Badge>
                    ))
                  ) : (
                    <span className="text-slate-500">none</span>
                  )}
                </td>
                <td className="px-2 py-2 text-right">
                  <ConfirmButton
                    label="Delete"
                    accessibleName={`Delete masking rule ${rule.name}`}
                    title={`Delete masking rule ${rule.name}?`}
                    impact="Values it masks reach agents in clear from the next statement on, unless another rule or a detector still covers them. Re-create the rule to undo."
                    confirmLabel="Delete rule"
                    onConfirm={() => remove.mutate(rule.id)}
                  />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
