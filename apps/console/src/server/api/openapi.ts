import { z } from "zod";
import { API_ROUTES } from "./routes";

const ERROR = {
  description: "An error, with field messages when the input was at fault",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          error: { type: "string" },
          fields: { type: "object", additionalProperties: { type: "string" } },
        },
        required: ["error"],
      },
    },
  },
};

/** The OpenAPI 3.1 document of `/api/v1`, generated from the same route table the API dispatches on. */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const queryParameters = route.query
      ? Object.entries(
          (
            z.toJSONSchema(route.query, { io: "input", unrepresentable: "any" }) as {
              properties?: Record<string, unknown>;
            }
          ).properties ?? {},
        ).map(([name, schema]) => ({ name, in: "query", required: false, schema }))
      : [];
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      description: `Requires the \`${route.permission}\` permission.`,
      parameters: [...parameters, ...queryParameters],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: z.toJSONSchema(route.body, { io: "input", unrepresentable: "any" }),
                },
              },
            },
          }
        : {}),
      responses: {
        [String(route.status ?? 200)]: { description: route.status === 204 ? "Done" : "OK" },
        "400": ERROR,
        "401": ERROR,
        "403": ERROR,
        "404": ERROR,
        "409": ERROR,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Sluice API",
      version: "1",
      description:
        "Configure connections, agents, masking, guardrails and reviews. Authenticate with `Authorization: Bearer slt_…` (create a token in the console under API tokens).",
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(paths).map(([path, operations]) => [path, operations])),
  };
}
