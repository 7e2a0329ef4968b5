import net from "node:net";

/** A response read off the socket as bytes: status, headers (lower-case names) and the raw body. */
export type RawResponse = { status: number; headers: Map<string, string[]>; body: string; raw: string };

/**
 * Sends bytes exactly as given (no client normalizes the target or headers) and reads until the
 * server closes. For the bypass corpus: what the gateway does with a request a library would refuse
 * or rewrite before sending.
 */
export function rawHttp(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    socket.on("data", (chunk) => parts.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const raw = Buffer.concat(parts).toString("latin1");
      const headEnd = raw.indexOf("\r\n\r\n");
      const [statusLine = "", ...headerLines] = raw
        .slice(0, headEnd < 0 ? raw.length : headEnd)
        .split("\r\n");
      const headers = new Map<string, string[]>();
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
      }
      resolve({
        status: Number(statusLine.split(" ")[1] ?? 0),
        headers,
        body: headEnd < 0 ? "" : raw.slice(headEnd + 4),
        raw,
      });
    });
    // Written, not ended: Node's server drops requests still in flight when a client half-closes.
    // Every request says `Connection: close`, so the server closes when it has answered.
    socket.write(request);
  });
}

/** A request with the agent's token and `Connection: close`, the target and extra lines verbatim. */
export function requestText(
  token: string,
  method: string,
  target: string,
  extra: string[] = [],
  body = "",
): string {
  const lines = [
    `${method} ${target} HTTP/1.1`,
    "Host: gateway",
    `Authorization: Bearer ${token}`,
    "Connection: close",
    ...extra,
  ];
  if (body && !extra.some((line) => /^(content-length|transfer-encoding):/i.test(line)))
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}
