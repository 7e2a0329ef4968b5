import type { AdminContext } from "@sluice/admin/actor";
import { RULE_RESOURCES, type RuleResourceName, type RuleViews } from "@sluice/admin/api-contract";
import type { z } from "zod";
import { type ApiRoute, id } from "./route-table";

type RuleOperations<Name extends RuleResourceName> = {
  list: (context: AdminContext) => Promise<RuleViews[Name][]>;
  save: (context: AdminContext, options: { id?: string; input: unknown }) => Promise<RuleViews[Name]>;
  remove: (context: AdminContext, options: { id: string }) => Promise<void>;
  /** The operation's input schema: the OpenAPI document shows it, the operation parses with it. */
  body: z.ZodType;
};

/**
 * List, create, update and delete of one rule resource, at the path the API contract names and
 * returning the views it declares: the console's rule editor relies on exactly these four.
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
      body,
      run: (context, input) => operations.save(context, { ...id(input), input: input.body }),
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
