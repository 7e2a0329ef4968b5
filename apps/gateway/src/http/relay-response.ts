import type { ServerResponse } from "node:http";
import { BodyStreamError } from "@sluice/http-policy/json-stream-masker";
import type { ResponsePlan } from "@sluice/http-policy/response-plan";
import { sendRefusal } from "./http-refusal";
import type { UpstreamAnswer } from "./upstream-answer";

/**
 * Streams the upstream's response to the agent through its masker, with backpressure both ways.
 * The first chunk is masked before the status line goes out, so a body that is not what it says
 * (an HTML error page declared JSON) becomes a clean 502. A later failure cuts the response: the
 * chunked body never ends, so the agent's client reports a truncated transfer rather than a
 * complete document with unmasked bytes. Resolves with how the response ended.
 */
export function relayResponse(
  upstream: UpstreamAnswer,
  response: ServerResponse,
  plan: Extract<ResponsePlan, { kind: "relay" }>,
  /** Each piece of body as the agent gets it (masked), for the recording. */
  onBody: (chunk: Buffer) => void = () => {},
): Promise<{ outcome: "complete" | "cut"; reason?: string }> {
  const headers = plan.headers;
  const status = upstream.status;
  const masker = plan.masker;
  return new Promise((resolve) => {
    let isDone = false;
    const cut = (reason: string) => {
      if (isDone) return;
      isDone = true;
      upstream.destroy();
      if (!response.headersSent)
        sendRefusal(
          response,
          502,
          { rule: "sluice:http-response", message: `the upstream's response was cut: ${reason}` },
          { isClosing: true },
        );
      else response.destroy();
      resolve({ outcome: "cut", reason });
    };
    // The whole body came before anything was written (most small JSON answers: one socket read
    // brings the headers, the body and its end): masked in one piece and sent with a
    // content-length, so the agent gets one write (status line, headers and body) instead of a
    // chunked body and its terminator in writes of their own, a syscall each.
    const sendWhole = (parts: Buffer[]) => {
      const body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      let out: Buffer;
      try {
        out = masker ? Buffer.concat([masker.push(body), masker.end()]) : body;
      } catch (error) {
        return cut(reasonOf(error));
      }
      isDone = true;
      // An empty body keeps no length: a HEAD's, a 204's or a 304's must not claim one of 0.
      response.writeHead(
        status,
        out.length > 0 ? [...headers.flat(), "content-length", String(out.length)] : headers.flat(),
      );
      if (out.length > 0) onBody(out);
      response.end(out);
      resolve({ outcome: "complete" });
    };
    response.on("close", () => {
      if (!isDone) {
        isDone = true;
        upstream.destroy();
        resolve({ outcome: "cut", reason: "the agent went away" });
      }
    });
    if (upstream.isComplete) return sendWhole(upstream.takeBody());
    // An upstream that writes each record as a chunk of its own (most JSON APIs streaming a list)
    // delivers thousands of chunks per socket read. Masking and writing each alone cost a write (a
    // syscall and a chunk header) per record: the most of the gateway's time after masking. What
    // one read brings is collected, masked and written once, when the read is done. While the
    // agent's side is full the upstream's socket is paused.
    let pending: Buffer[] = [];
    let isWaitingForDrain = false;
    const writeHead = () => {
      if (!response.headersSent) response.writeHead(status, headers.flat());
    };
    const flush = () => {
      if (isDone || pending.length === 0) return;
      const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
      pending = [];
      let out: Buffer;
      try {
        out = masker ? masker.push(chunk) : chunk;
      } catch (error) {
        return cut(reasonOf(error));
      }
      writeHead();
      if (out.length > 0) onBody(out);
      if (out.length > 0 && !response.write(out)) {
        isWaitingForDrain = true;
        response.once("drain", () => {
          isWaitingForDrain = false;
          upstream.resume();
        });
      }
    };
    upstream.attach({
      data: (chunk) => {
        if (isDone) return false;
        if (pending.length === 0) setImmediate(flush);
        pending.push(chunk);
        return !isWaitingForDrain;
      },
      end: () => {
        if (isDone) return;
        if (!response.headersSent) {
          const parts = pending;
          pending = [];
          return sendWhole(parts);
        }
        flush();
        if (isDone) return;
        let tail: Buffer;
        try {
          tail = masker ? masker.end() : Buffer.alloc(0);
        } catch (error) {
          return cut(reasonOf(error));
        }
        isDone = true;
        writeHead();
        if (tail.length > 0) onBody(tail);
        response.end(tail);
        resolve({ outcome: "complete" });
      },
      fail: (reason) => cut(reason),
    });
  });
}

function reasonOf(error: unknown): string {
  if (error instanceof BodyStreamError) return `it is not readable as declared: ${error.message}`;
  return "the gateway could not mask it";
}
