import type { AdminContext } from "@sluice/admin/actor";
import { RULE_RESOURCES, type RuleResourceName, type RuleViews } from "@sluice/admin/api-contract";
import { isEnabledOnly, ZRuleEnabledInput } from "@sluice/admin/rule-enabled";
import { z } from "zod";
import { type ApiRoute, id } from "./route-table";

type RuleOperations<Name extends RuleResourceName> = {
  list: (context: AdminContext) => Promise<RuleViews[Name][]>;
  save: (context: AdminContext, options: { id?: string; input: unknown }) => Promise<RuleViews[Name]>;
  /** Turns the rule on or off, leaving the rest as stored: a PATCH of `{ isEnabled }` alone. */
  setEnabled: (context: AdminContext, options: { id: string; input: unknown }) => Promise<RuleViews[Name]>;
  remove: (context: AdminContext, options: { id: string }) => Promise<void>;
  /** The operation's input schema: the OpenAPI document shows it, the operation parses with it. */
  body: z.ZodType;
};

/**
 * List, create, update and delete of one rule resource, at the path the API contract names and
 * returning the views it declares: the console's rule editor relies on exactly these four. A PATCH
 * whose body is `{ isEnabled }` alone only turns the rule on or off (the editor's Disable/Enable), so
 * a stored rule that no longer validates as input can still be switched off; any other PATCH body
 * is the whole rule, validated as a create's.
 */
export function ruleResourceRoutes<Name extends RuleResourceName>(
  name: Name,
  operations: RuleOperations<Name>,
): ApiRoute[] {
  const { path, noun, tag } = RULE_RESOURCES[name];
  const { body } = operations;
  const routes: ApiRoute[] = [
    {
      method: "GET",
      path,
      summary: `List ${noun}s`,
      tag,
      permission: "policy:read",
      run: (context) => operations.list(context),
    },
    {
      method: "POST",
      path,
      summary: `Create a ${noun}`,
      tag,
      permission: "policy:write",
      body,
      status: 201,
      run: (context, input) => operations.save(context, { input: input.body }),
    },
    {
      method: "PATCH",
      path: `${path}/{id}`,
      summary: `Update a ${noun}`,
      tag,
      permission: "policy:write",
      body: z.union([ZRuleEnabledInput, body]),
      run: (context, input) =>
        isEnabledOnly(input.body)
          ? operations.setEnabled(context, { ...id(input), input: input.body })
          : operations.save(context, { ...id(input), input: input.body }),
    },
    {
      method: "DELETE",
      path: `${path}/{id}`,
      summary: `Delete a ${noun}`,
      tag,
      permission: "policy:write",
      status: 204,
      run: (context, input) => operations.remove(context, id(input)),
    },
  ];
  return routes;
}
