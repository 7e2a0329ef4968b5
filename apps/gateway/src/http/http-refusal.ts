import type { ServerResponse } from "node:http";

/** What the agent reads when the gateway answers itself: one JSON shape for every refusal. */
export type HttpRefusalBody = {
  rule: string;
  message: string;
  hint?: string;
  /** A pending non-blocking review of the call: where the agent follows it. */
  review?: { number: number; statusUrl: string };
};

/**
 * Writes a refusal as `{"error":{rule,message,hint}}` with its status. A refusal that leaves the
 * request body unread closes the connection, so no unread bytes are taken for the next request.
 */
export function sendRefusal(
  response: ServerResponse,
  status: number,
  refusal: HttpRefusalBody,
  options: { isClosing?: boolean; headers?: Record<string, string> } = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = Buffer.from(`${JSON.stringify({ error: refusal })}\n`);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(body.length),
    "cache-control": "no-store",
    ...(options.isClosing ? { connection: "close" } : {}),
    ...options.headers,
  });
  response.end(body);
}
