import {
  deleteGuardrail,
  listGuardrails,
  saveGuardrail,
  ZGuardrailInput,
} from "@sluice/admin/guardrail-rules";
import {
  deleteMaskingRule,
  listMaskingRules,
  saveMaskingRule,
  ZMaskingRuleInput,
} from "@sluice/admin/masking-rules";
import { previewMasking, ZMaskingPreviewInput } from "@sluice/admin/preview-masking";
import { previewMaskingExample, ZMaskingExampleInput } from "@sluice/admin/preview-masking-example";
import { tryStatement, ZTryStatementInput } from "@sluice/admin/try-statement";
import { type ApiRoute, id } from "../route-table";

/** Masking rules and guardrails, and trying a statement or a masking rule before saving. */
export const RULE_ROUTES: ApiRoute[] = [
  {
    method: "GET",
    path: "/masking-rules",
    summary: "List masking rules",
    tag: "masking",
    permission: "policy:read",
    run: (context) => listMaskingRules(context),
  },
  {
    method: "POST",
    path: "/masking-rules",
    summary: "Create a masking rule",
    tag: "masking",
    permission: "policy:write",
    body: ZMaskingRuleInput,
    status: 201,
    run: (context, input) => saveMaskingRule(context, { input: input.body }),
  },
  {
    method: "PATCH",
    path: "/masking-rules/{id}",
    summary: "Update a masking rule",
    tag: "masking",
    permission: "policy:write",
    body: ZMaskingRuleInput,
    run: (context, input) => saveMaskingRule(context, { ...id(input), input: input.body }),
  },
  {
    method: "DELETE",
    path: "/masking-rules/{id}",
    summary: "Delete a masking rule",
    tag: "masking",
    permission: "policy:write",
    status: 204,
    run: (context, input) => deleteMaskingRule(context, id(input)),
  },
  {
    method: "POST",
    path: "/masking-preview/example",
    summary: "What a masking strategy does to a value like the ones a rule matches",
    tag: "masking",
    permission: "policy:read",
    body: ZMaskingExampleInput,
    run: (context, input) => previewMaskingExample(context, { input: input.body }),
  },
  {
    method: "POST",
    path: "/masking-preview",
    summary: "Which columns of an upstream table mask, and how",
    tag: "masking",
    permission: "policy:read",
    body: ZMaskingPreviewInput,
    run: (context, input) => previewMasking(context, { input: input.body }),
  },
  {
    method: "GET",
    path: "/guardrails",
    summary: "List guardrails",
    tag: "guardrails",
    permission: "policy:read",
    run: (context) => listGuardrails(context),
  },
  {
    method: "POST",
    path: "/guardrails",
    summary: "Create a guardrail",
    tag: "guardrails",
    permission: "policy:write",
    body: ZGuardrailInput,
    status: 201,
    run: (context, input) => saveGuardrail(context, { input: input.body }),
  },
  {
    method: "PATCH",
    path: "/guardrails/{id}",
    summary: "Update a guardrail",
    tag: "guardrails",
    permission: "policy:write",
    body: ZGuardrailInput,
    run: (context, input) => saveGuardrail(context, { ...id(input), input: input.body }),
  },
  {
    method: "DELETE",
    path: "/guardrails/{id}",
    summary: "Delete a guardrail",
    tag: "guardrails",
    permission: "policy:write",
    status: 204,
    run: (context, input) => deleteGuardrail(context, id(input)),
  },
  {
    method: "POST",
    path: "/try-statement",
    summary: "The verdict the gateway would give a statement, and why",
    tag: "guardrails",
    permission: "policy:read",
    body: ZTryStatementInput,
    run: (context, input) => tryStatement(context, { input: input.body }),
  },
];
