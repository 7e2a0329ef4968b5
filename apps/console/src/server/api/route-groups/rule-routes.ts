import {
  deleteGuardrail,
  listGuardrails,
  saveGuardrail,
  setGuardrailEnabled,
  ZGuardrailInput,
} from "@sluice/admin/guardrail-rules";
import {
  deleteMaskingRule,
  listMaskingRules,
  saveMaskingRule,
  setMaskingRuleEnabled,
  ZMaskingRuleInput,
} from "@sluice/admin/masking-rules";
import { previewMasking, ZMaskingPreviewInput } from "@sluice/admin/preview-masking";
import { previewMaskingExample, ZMaskingExampleInput } from "@sluice/admin/preview-masking-example";
import { tryHttpRequest, ZTryHttpRequestInput } from "@sluice/admin/try-http-request";
import { tryStatement, ZTryStatementInput } from "@sluice/admin/try-statement";
import type { ApiRoute } from "../route-table";
import { ruleResourceRoutes } from "../rule-resource-routes";

/** Masking rules and guardrails, and trying a statement or a masking rule before saving. */
export const RULE_ROUTES: ApiRoute[] = [
  ...ruleResourceRoutes("masking-rules", {
    list: listMaskingRules,
    save: saveMaskingRule,
    setEnabled: setMaskingRuleEnabled,
    remove: deleteMaskingRule,
    body: ZMaskingRuleInput,
  }),
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
  ...ruleResourceRoutes("guardrails", {
    list: listGuardrails,
    save: saveGuardrail,
    setEnabled: setGuardrailEnabled,
    remove: deleteGuardrail,
    body: ZGuardrailInput,
  }),
  {
    method: "POST",
    path: "/try-statement",
    summary: "The verdict the gateway would give a statement, and why",
    tag: "guardrails",
    permission: "policy:read",
    body: ZTryStatementInput,
    run: (context, input) => tryStatement(context, { input: input.body }),
  },
  {
    method: "POST",
    path: "/try-http-request",
    summary: "The verdict the HTTP gateway would give a call (method, path, body), and why",
    tag: "guardrails",
    permission: "policy:read",
    body: ZTryHttpRequestInput,
    run: (context, input) => tryHttpRequest(context, { input: input.body }),
  },
];
