import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { AgentAuth, readCredentials } from "../http/agent-auth";
import type { HttpDirectory } from "../http/http-directory";
import { sendRefusal } from "../http/http-refusal";
import { readBody } from "../http/read-body";
import { KEPT_BOUND_LOGIN_HINT, KEPT_BOUND_LOGIN_MESSAGE } from "../recording/recording-limits";
import type { RefusedAttempt } from "../refused-attempts";
import { HeldCalls } from "./held-calls";
import { agentCredentialVerifier, firstAccepting, type McpCredentialVerifier } from "./mcp-credentials";
import { AUTH_FAILURE_WINDOW_MS, AUTH_FAILURES_PER_ADDRESS, MAX_MCP_BODY_BYTES } from "./mcp-limits";
import { type McpToolsContext, registerTools } from "./mcp-tools";

/** Where agents reach the endpoint: `https://gateway:SLUICE_MCP_PORT/mcp`. */
export const MCP_PATH = "/mcp";

export type McpGatewayOptions = Omit<McpToolsContext, "held"> & {
  port: number;
  host?: string;
  tls: { cert: Buffer | string; key: Buffer | string } | null;
  directory: HttpDirectory;
  /** Verifiers asked before the agent's own credential (static token or workload JWT). */
  verifiers?: readonly McpCredentialVerifier[];
  /** Where a refused credential is written for admins, with the precise reason (absent: nowhere). */
  recordRefusal?: (attempt: RefusedAttempt) => void;
  /**
   * The kept-chunk bound (RecordingWriter.isAtKeptBound): the tools' statements would be recorded,
   * so past it a request is refused here, in HTTP's words, before a tool logs in and is refused.
   */
  isAtKeptBound: () => boolean;
  log: (line: string) => void;
};

/**
 * The MCP endpoint (Streamable HTTP, stateless: every POST carries its own credential and the
 * tools keep no per-session state but held calls). Each request authenticates the agent, then a
 * fresh MCP server bound to that agent answers it; the tools reach data only through the gateway's
 * own Postgres listener, as the agent.
 */
export async function startMcpGateway(options: McpGatewayOptions) {
  const verify = firstAccepting([
    ...(options.verifiers ?? []),
    agentCredentialVerifier(
      new AgentAuth(
        options.directory,
        new RateLimiter({ maxFailures: AUTH_FAILURES_PER_ADDRESS, windowMs: AUTH_FAILURE_WINDOW_MS }),
      ),
    ),
  ]);
  const held = new HeldCalls();
  const context: McpToolsContext = { ...options, held };

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://mcp").pathname;
    if (path !== MCP_PATH) {
      request.resume();
      return sendRefusal(response, 404, {
        rule: "sluice:mcp-path",
        message: `the MCP endpoint is ${MCP_PATH}`,
      });
    }
    const address = request.socket.remoteAddress ?? "unknown";
    const checked = await verify(request.headers.authorization, address);
    if (!checked.ok) {
      request.resume();
      // As on the HTTP path: a rate-limited guess (429) is not written.
      if (checked.status === 401)
        options.recordRefusal?.({
          path: "mcp",
          agentId: null,
          claimedAgent: readCredentials(request.headers.authorization)?.agentName ?? null,
          connectionId: null,
          claimedConnection: null,
          clientAddress: address,
          isTls: Boolean((request.socket as TLSSocket).encrypted),
          rule: "sluice:auth",
          message: checked.message,
          ...(checked.reason ? { reason: checked.reason } : {}),
        });
      return sendRefusal(
        response,
        checked.status,
        { rule: "sluice:auth", message: checked.message },
        {
          isClosing: true,
          ...(checked.status === 401 ? { headers: { "www-authenticate": 'Bearer realm="sluice"' } } : {}),
        },
      );
    }
    if (options.isAtKeptBound()) {
      request.resume();
      options.log(`[mcp] ${checked.agent.agentName}: refused a request: ${KEPT_BOUND_LOGIN_MESSAGE}`);
      return sendRefusal(
        response,
        503,
        { rule: "sluice:store-unavailable", message: KEPT_BOUND_LOGIN_MESSAGE, hint: KEPT_BOUND_LOGIN_HINT },
        { isClosing: true },
      );
    }
    let body: unknown;
    if (request.method === "POST") {
      const read = await readBody(request, MAX_MCP_BODY_BYTES);
      if (!read.ok)
        return sendRefusal(
          response,
          413,
          { rule: "sluice:mcp-body", message: `the request body is larger than ${MAX_MCP_BODY_BYTES} bytes` },
          { isClosing: true },
        );
      try {
        body = JSON.parse(read.body.toString("utf8"));
      } catch {
        return sendRefusal(response, 400, {
          rule: "sluice:mcp-body",
          message: "the request body is not JSON",
          hint: "send one JSON-RPC message (or a batch) as the MCP Streamable HTTP transport does",
        });
      }
    }
    const server = new McpServer({ name: "sluice", version: "1.0.0" });
    registerTools(server, context, checked.agent);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  }

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch((error: unknown) => {
      options.log(`[mcp] internal error: ${error instanceof Error ? error.message : String(error)}`);
      sendRefusal(
        response,
        500,
        { rule: "sluice:internal", message: "the gateway failed to handle the call" },
        { isClosing: true },
      );
    });
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handle)
    : http.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.log(`MCP endpoint listening on port ${port}${MCP_PATH}`);
  return {
    port,
    close: async () => {
      held.cancelAll();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
