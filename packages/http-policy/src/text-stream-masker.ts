import { maskDetected } from "@sluice/masking/content-masker";
import { BodyStreamError } from "./body-stream-error";
import { MAX_TEXT_LINE_BYTES } from "./limits";
import type { ResponseMasking } from "./value-masking";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Masks a text body a line at a time with the content detectors (a value never straddles two
 * lines of output unread). A line longer than MAX_TEXT_LINE_BYTES, or bytes that are not UTF-8,
 * cut the response.
 */
export class TextStreamMasker {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly masking: ResponseMasking) {}

  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, from)) {
      this.hold(chunk.subarray(from, newline + 1));
      out.push(this.maskPending());
      from = newline + 1;
    }
    if (from < chunk.length) this.hold(Buffer.from(chunk.subarray(from)));
    return Buffer.concat(out);
  }

  end(): Buffer {
    return this.maskPending();
  }

  private hold(part: Buffer): void {
    this.pendingBytes += part.length;
    if (this.pendingBytes > MAX_TEXT_LINE_BYTES)
      throw new BodyStreamError(
        `a text line is longer than ${MAX_TEXT_LINE_BYTES} bytes, more than the gateway holds to mask`,
      );
    this.pending.push(part);
  }

  private maskPending(): Buffer {
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    let text: string;
    try {
      text = utf8.decode(line);
    } catch {
      throw new BodyStreamError("the text body is not valid UTF-8");
    }
    const masked = maskDetected(text, this.masking.detectors, this.masking.hashKey);
    return masked === null ? line : Buffer.from(masked);
  }
}
