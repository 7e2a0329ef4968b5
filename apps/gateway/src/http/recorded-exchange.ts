import type { ServerResponse } from "node:http";
import { JsonStreamMasker } from "@sluice/http-policy/json-stream-masker";
import type { HttpRequestFacts } from "@sluice/http-policy/read-request";
import { hasMasking, type ResponseMasking } from "@sluice/http-policy/value-masking";
import type { Verdict } from "@sluice/policy/verdict";
import { redactStatement } from "@sluice/recording/redact-statement";
import { type HttpRefusalBody, sendRefusal } from "./http-refusal";
import type { HttpSession } from "./http-sessions";

/**
 * One call's entry in its session's recording: the request (body redacted), each verdict, and the
 * response as the agent got it, its body up to the connection's per-exchange cap. Headers are not
 * recorded: the agent's token never goes upstream and the brokered credential is the gateway's.
 */
export class RecordedExchange {
  private bodyParts: Buffer[] = [];
  private keptBytes = 0;
  private totalBytes = 0;

  constructor(
    private readonly session: HttpSession,
    private readonly call: string,
  ) {}

  /** The request line, and the body as shown (see maskedRequestBody), masked once per call by the caller. */
  request(facts: HttpRequestFacts, body: string | undefined): void {
    const target = this.call.split("\n", 1)[0]?.slice(facts.method.length + 1) ?? facts.path;
    this.session.recorder()?.httpRequest({ method: facts.method, target, ...(body ? { body } : {}) });
  }

  verdict(verdict: Verdict): void {
    this.session.recorder()?.httpVerdict({
      kind: verdict.kind,
      ...(verdict.kind === "allow"
        ? verdict.note
          ? { message: verdict.note }
          : {}
        : { rule: verdict.rule, message: verdict.message }),
    });
    // Holds are counted once held and once decided, as on the SQL path.
    this.session.verdict(this.call, verdict);
  }

  /** Refuses the call and records the refusal as the agent's response. */
  refuse(response: ServerResponse, status: number, refusal: HttpRefusalBody): void {
    sendRefusal(response, status, refusal);
    const body = JSON.stringify({ error: refusal });
    this.session.recorder()?.httpResponse({
      status,
      contentType: "application/json",
      body,
      bodyBytes: Buffer.byteLength(body),
    });
  }

  /** Bytes written to the agent (already masked); kept up to the recording's cap, counted after. */
  bodyBytes(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    const cap = this.session.recorder()?.resultBytesCap ?? 0;
    if (this.keptBytes >= cap) return;
    const kept = chunk.subarray(0, cap - this.keptBytes);
    this.bodyParts.push(Buffer.from(kept));
    this.keptBytes += kept.length;
  }

  response(status: number, contentType: string | undefined, cut?: string): void {
    this.session.recorder()?.httpResponse({
      status,
      ...(contentType ? { contentType } : {}),
      body: Buffer.concat(this.bodyParts).toString("utf8"),
      bodyBytes: this.totalBytes,
      ...(cut ? { cut } : {}),
    });
    this.bodyParts = [];
  }
}

/**
 * A request body as the recording and the review inbox keep it: values the connection masks in
 * responses are masked here too (an agent can send what it may not read back), and anything a
 * content detector recognises is redacted whatever the rules, as in recorded SQL.
 */
export function maskedRequestBody(body: unknown, masking: ResponseMasking | null): string {
  let text = JSON.stringify(body);
  if (masking && hasMasking(masking)) {
    const masker = new JsonStreamMasker(masking);
    text = Buffer.concat([masker.push(Buffer.from(text)), masker.end()]).toString("utf8");
  }
  return redactStatement(text, null);
}
