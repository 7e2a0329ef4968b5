import type { IncomingMessage } from "node:http";

/**
 * Reads a request body up to a limit. A declared Content-Length over it is refused before a byte is
 * read; a chunked body that grows past it stops being read (the connection is then closed).
 */
export async function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ ok: true; body: Buffer } | { ok: false }> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > limit) return { ok: false };
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > limit) return { ok: false };
    parts.push(chunk as Buffer);
  }
  return { ok: true, body: Buffer.concat(parts) };
}
