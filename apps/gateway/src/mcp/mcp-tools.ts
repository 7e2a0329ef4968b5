import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { PrismaClient } from "@sluice/db/prisma";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import { z } from "zod";
import { createAgentReviews } from "./agent-reviews";
import type { GatewayEndpoint } from "./gateway-wire-call";
import type { HeldCalls } from "./held-calls";
import type { McpAgent } from "./mcp-credentials";
import { reviewStatus, runQuery } from "./run-query";
import { describeSchema, listConnections } from "./schema-tools";
import { refusalReply } from "./tool-replies";

export type McpToolsContext = {
  prisma: PrismaClient;
  endpoint: GatewayEndpoint;
  held: HeldCalls;
  policy: (connectionId: string) => ConnectionPolicy | undefined;
};

const ZReviewId = z
  .string()
  .regex(/^R-?\d+$|^\d+$/i)
  .describe('the review id a held run_query returned, such as "R-7"');

/** The four tools, bound to one authenticated agent. */
export function registerTools(server: McpServer, context: McpToolsContext, agent: McpAgent): void {
  const reviews = createAgentReviews(context.prisma);
  const runContext = { endpoint: context.endpoint, agent, reviews, held: context.held };
  server.registerTool(
    "list_connections",
    {
      description: "The databases this agent may query through Sluice, by connection name.",
      annotations: { readOnlyHint: true },
    },
    () => listConnections(context.prisma, agent),
  );
  server.registerTool(
    "describe_schema",
    {
      description:
        "Tables and columns of a connection; columns Sluice masks for this agent are marked `masked` with their rule and strategy.",
      inputSchema: {
        connection: z.string().min(1).describe("a name from list_connections"),
        schema: z.string().min(1).optional().describe("only this schema (default: all)"),
      },
      annotations: { readOnlyHint: true },
    },
    ({ connection, schema }) =>
      describeSchema({
        prisma: context.prisma,
        endpoint: context.endpoint,
        agent,
        policy: context.policy,
        connection,
        schema,
      }),
  );
  server.registerTool(
    "run_query",
    {
      description:
        "Runs SQL on a connection through Sluice's guardrails, masking, reviews and recording. Answers status ok (rows), refused (with `next`: what to change), or held (a human must approve; poll review_status).",
      inputSchema: {
        connection: z.string().min(1).describe("a name from list_connections"),
        sql: z.string().min(1).describe("one statement (or several separated by semicolons)"),
      },
    },
    ({ connection, sql }) => runQuery(runContext, connection, sql),
  );
  server.registerTool(
    "review_status",
    {
      description:
        "The state of a review that held a run_query: pending (with who decides), the rows once approved, or the denial. For a non-blocking review it runs the approved statement.",
      inputSchema: { review: ZReviewId },
    },
    ({ review }) => {
      const number = Number(review.replace(/^R-?/i, ""));
      if (!Number.isSafeInteger(number))
        return refusalReply("22023", `not a review id: ${review}`, 'send "R-<number>"');
      return reviewStatus(runContext, number);
    },
  );
}
