import type { IncomingMessage } from "node:http";

type BodyRead = { ok: true; body: Buffer } | { ok: false };

const NO_BODY: BodyRead = { ok: true, body: Buffer.alloc(0) };

/**
 * Reads a request body up to a limit. A declared Content-Length over it is refused before a byte is
 * read; a chunked body that grows past it stops being read (the connection is then closed).
 */
export async function readBody(request: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > limit) return { ok: false };
  // Most calls' bodies (a GET's: none) are parsed whole before the handler gets here: taken as they
  // lie, without an async iterator and the stream listeners it adds, a few µs a call.
  if (request.complete) return takeParsed(request, limit);
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > limit) return { ok: false };
    parts.push(chunk as Buffer);
  }
  return { ok: true, body: Buffer.concat(parts) };
}

/** A body the parser has read to its end: what the stream holds; the read that finds none ends it. */
function takeParsed(request: IncomingMessage, limit: number): BodyRead {
  const parts: Buffer[] = [];
  let total = 0;
  for (let chunk: Buffer | null = request.read(); chunk !== null; chunk = request.read()) {
    total += chunk.length;
    if (total > limit) return { ok: false };
    parts.push(chunk);
  }
  if (parts.length === 0) return NO_BODY;
  return { ok: true, body: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts) };
}
