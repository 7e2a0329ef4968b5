import pg from "pg";
import type { McpAgent } from "./mcp-credentials";
import { MAX_RESULT_ROWS } from "./mcp-limits";

/** Where the gateway's own Postgres listener answers, and the CA that signed its certificate. */
export type GatewayEndpoint = { host: string; port: number; caPem: string | null };

/** One server notice, as the agent would have seen it on the wire. */
export type WireNotice = {
  code: string;
  message: string;
  hint?: string;
  /** The source routine that raised it (SQL cannot choose it: see HOLD_NOTICE_ROUTINE). */
  routine?: string;
};

export type WireResult = {
  command: string;
  rowCount: number | null;
  columns: string[];
  /** Text values exactly as the wire carried them (masked ones as their placeholders). */
  rows: (string | null)[][];
  /** Rows past MAX_RESULT_ROWS: counted, not returned. */
  rowsOmitted: number;
};

export type WireOutcome =
  | { kind: "rows"; results: WireResult[]; notices: WireNotice[] }
  | { kind: "error"; code: string; message: string; hint?: string; notices: WireNotice[] };

/** Every value stays the text the server (through the gateway) sent: nothing is reinterpreted. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/**
 * Runs one simple Query on the gateway's Postgres listener as the agent, so the statement takes the
 * wire path whole: the agent's login, the decision point, reviews, masking and the recording. The
 * notices are reported as they arrive (a hold notice comes long before the result).
 */
export function callThroughGateway(options: {
  endpoint: GatewayEndpoint;
  agent: McpAgent;
  connection: string;
  sql: string;
  onNotice?: (notice: WireNotice) => void;
}): { outcome: Promise<WireOutcome>; cancel: () => void } {
  const { endpoint, agent } = options;
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    user: agent.agentName,
    password: agent.wirePassword,
    database: options.connection,
    application_name: "sluice-mcp",
    ssl: endpoint.caPem ? { ca: endpoint.caPem, servername: "localhost" } : false,
    types: TEXT_TYPES,
  });
  const notices: WireNotice[] = [];
  client.on("notice", (notice) => {
    const seen: WireNotice = {
      code: notice.code ?? "00000",
      message: notice.message ?? "",
      ...(notice.hint ? { hint: notice.hint } : {}),
      ...(notice.routine ? { routine: notice.routine } : {}),
    };
    notices.push(seen);
    options.onNotice?.(seen);
  });
  client.on("error", () => {});
  const outcome = (async (): Promise<WireOutcome> => {
    try {
      await client.connect();
      const answer = await client.query({ text: options.sql, rowMode: "array" });
      const results = (Array.isArray(answer) ? answer : [answer]) as pg.QueryArrayResult[];
      return { kind: "rows", results: results.map(toWireResult), notices };
    } catch (error) {
      return { kind: "error", ...errorFields(error), notices };
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return {
    outcome,
    // Ending the socket is what a client giving up does: the gateway withdraws a held statement.
    cancel: () => void client.end().catch(() => {}),
  };
}

function toWireResult(result: pg.QueryArrayResult): WireResult {
  const rows = (result.rows ?? []) as (string | null)[][];
  return {
    command: result.command ?? "",
    rowCount: result.rowCount ?? null,
    columns: (result.fields ?? []).map((field) => field.name),
    rows: rows.slice(0, MAX_RESULT_ROWS),
    rowsOmitted: Math.max(0, rows.length - MAX_RESULT_ROWS),
  };
}

function errorFields(error: unknown): { code: string; message: string; hint?: string } {
  const failure = error as { code?: unknown; message?: unknown; hint?: unknown };
  const code =
    typeof failure.code === "string" && /^[0-9A-Z]{5}$/.test(failure.code) ? failure.code : "08006";
  const message = typeof failure.message === "string" ? failure.message : "the gateway closed the connection";
  return {
    code,
    message,
    ...(typeof failure.hint === "string" && failure.hint ? { hint: failure.hint } : {}),
  };
}
