"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useToast } from "@/client/toast";
import {
  buttonClass,
  Card,
  EmptyState,
  ErrorBanner,
  Field,
  FormError,
  PageHeader,
  SubmitForm,
  splitNames,
  Table,
  TextField,
} from "@/client/ui";
import { ConnectionSelect } from "../connection-select";

type ReviewerGroup = { id: string; name: string; idpGroup: string; description: string | null };
type ReviewRuleView = {
  id: string;
  name: string;
  connectionName: string | null;
  match: { kinds?: string[]; tables?: string[]; columns?: string[] };
  reviewerGroups: string[];
  mode: string;
  minApprovals: number;
  timeoutSeconds: number;
};

export function ReviewRulesPanel() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const groups = useQuery({
    queryKey: ["reviewer-groups"],
    queryFn: () => api<ReviewerGroup[]>("/reviewer-groups"),
  });
  const rules = useQuery({
    queryKey: ["review-rules"],
    queryFn: () => api<ReviewRuleView[]>("/review-rules"),
  });
  const [group, setGroup] = useState({ name: "", idpGroup: "", description: "" });
  const [rule, setRule] = useState({
    name: "",
    connectionId: null as string | null,
    kinds: "",
    tables: "",
    columns: "",
    reviewerGroups: "",
    timeoutSeconds: "600",
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["reviewer-groups"] }),
      queryClient.invalidateQueries({ queryKey: ["review-rules"] }),
    ]);
  const saveGroup = useMutation({
    mutationFn: () => api("/reviewer-groups", { method: "POST", body: group }),
    onSuccess: () => {
      setGroup({ name: "", idpGroup: "", description: "" });
      void refresh();
    },
  });
  const saveRule = useMutation({
    mutationFn: () =>
      api("/review-rules", {
        method: "POST",
        body: {
          name: rule.name,
          connectionId: rule.connectionId,
          match: {
            ...(rule.kinds ? { kinds: splitNames(rule.kinds).map((kind) => kind.toUpperCase()) } : {}),
            ...(rule.tables ? { tables: splitNames(rule.tables) } : {}),
            ...(rule.columns ? { columns: splitNames(rule.columns) } : {}),
          },
          reviewerGroups: splitNames(rule.reviewerGroups),
          timeoutSeconds: Number(rule.timeoutSeconds),
        },
      }),
    onSuccess: () => void refresh(),
  });
  const removeGroup = useMutation({
    mutationFn: (id: string) => api(`/reviewer-groups/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast("Reviewer group deleted");
      void refresh();
    },
  });
  const removeRule = useMutation({
    mutationFn: (id: string) => api(`/review-rules/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast("Review rule deleted");
      void refresh();
    },
  });
  const groupErrors = fieldErrors(saveGroup.error);
  const ruleErrors = fieldErrors(saveRule.error);

  return (
    <>
      <PageHeader
        title="Review rules"
        description="Statements that wait for a human before they reach the database, and the reviewer groups (from your identity provider) who decide."
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Reviewer groups">
          <SubmitForm
            className="mb-4 grid grid-cols-1 gap-3 md:grid-cols-2"
            onSubmit={() => saveGroup.mutate()}
          >
            <TextField
              id="group-name"
              label="Name"
              error={groupErrors.name}
              value={group.name}
              onChange={(value) => setGroup({ ...group, name: value })}
            />
            <TextField
              id="group-idp"
              label="Identity-provider group"
              error={groupErrors.idpGroup}
              value={group.idpGroup}
              onChange={(value) => setGroup({ ...group, idpGroup: value })}
            />
            <div>
              <button type="submit" className={buttonClass}>
                Add reviewer group
              </button>
            </div>
            <FormError error={saveGroup.error} />
          </SubmitForm>
          {groups.data?.length === 0 ? (
            <EmptyState>No reviewer groups. Add one for each team that approves statements.</EmptyState>
          ) : (
            <Table head={["Name", "IdP group", ""]}>
              {groups.data?.map((item) => (
                <tr key={item.id}>
                  <td className="px-2 py-2 font-medium">{item.name}</td>
                  <td className="px-2 py-2 font-mono text-xs">{item.idpGroup}</td>
                  <td className="px-2 py-2 text-right">
                    <ConfirmButton
                      label="Delete"
                      accessibleName={`Delete reviewer group ${item.name}`}
                      title={`Delete reviewer group ${item.name}?`}
                      impact="Its members can no longer approve statements held by rules that name it; a rule left with no reviewer group refuses what it would have held. Re-create the group to undo."
                      confirmLabel="Delete group"
                      onConfirm={() => removeGroup.mutate(item.id)}
                    />
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
        <Card title="New review rule">
          <SubmitForm className="grid grid-cols-1 gap-3 md:grid-cols-2" onSubmit={() => saveRule.mutate()}>
            <TextField
              id="rule-name"
              label="Name"
              error={ruleErrors.name}
              value={rule.name}
              onChange={(value) => setRule({ ...rule, name: value })}
            />
            <Field id="rule-connection" label="Connection" error={ruleErrors.connectionId}>
              <ConnectionSelect
                id="rule-connection"
                value={rule.connectionId}
                allowAll
                onChange={(connectionId) => setRule({ ...rule, connectionId })}
              />
            </Field>
            <TextField
              id="rule-kinds"
              label="Statement kinds"
              error={ruleErrors["match.kinds"] ?? ruleErrors.match}
              hint="e.g. DELETE, UPDATE, ALTER (a family: every ALTER …)"
              value={rule.kinds}
              onChange={(value) => setRule({ ...rule, kinds: value })}
            />
            <TextField
              id="rule-tables"
              label="Tables"
              hint="e.g. public.employees"
              value={rule.tables}
              onChange={(value) => setRule({ ...rule, tables: value })}
            />
            <TextField
              id="rule-columns"
              label="Columns"
              hint="e.g. salary"
              value={rule.columns}
              onChange={(value) => setRule({ ...rule, columns: value })}
            />
            <TextField
              id="rule-groups"
              label="Reviewer groups"
              error={ruleErrors.reviewerGroups}
              hint="Comma-separated reviewer group names"
              value={rule.reviewerGroups}
              onChange={(value) => setRule({ ...rule, reviewerGroups: value })}
            />
            <TextField
              id="rule-timeout"
              label="Expires after (seconds)"
              error={ruleErrors.timeoutSeconds}
              type="number"
              value={rule.timeoutSeconds}
              onChange={(value) => setRule({ ...rule, timeoutSeconds: value })}
            />
            <div className="md:col-span-2">
              <button type="submit" className={buttonClass}>
                Add review rule
              </button>
            </div>
            <FormError error={saveRule.error} />
          </SubmitForm>
        </Card>
      </div>
      <div className="mt-6">
        <ErrorBanner error={rules.error ?? removeRule.error ?? removeGroup.error} />
        <Card title="Rules">
          {rules.data?.length === 0 ? (
            <EmptyState>No review rules: no statement waits for a human.</EmptyState>
          ) : (
            <Table head={["Name", "Connection", "Matches", "Reviewers", "Expires", ""]}>
              {rules.data?.map((item) => (
                <tr key={item.id}>
                  <td className="px-2 py-2 font-medium">{item.name}</td>
                  <td className="px-2 py-2">{item.connectionName ?? "every connection"}</td>
                  <td className="px-2 py-2 font-mono text-xs">{JSON.stringify(item.match)}</td>
                  <td className="px-2 py-2">
                    {item.reviewerGroups.join(", ")} ({item.mode === "ALL_OF" ? "all of" : "any of"},{" "}
                    {item.minApprovals} approval{item.minApprovals > 1 ? "s" : ""})
                  </td>
                  <td className="px-2 py-2">{Math.round(item.timeoutSeconds / 60)} min</td>
                  <td className="px-2 py-2 text-right">
                    <ConfirmButton
                      label="Delete"
                      accessibleName={`Delete review rule ${item.name}`}
                      title={`Delete review rule ${item.name}?`}
                      impact="Statements it holds for review run without one from the next statement on. Re-create the rule to undo."
                      confirmLabel="Delete rule"
                      onConfirm={() => removeRule.mutate(item.id)}
                    />
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
      </div>
    </>
  );
}
