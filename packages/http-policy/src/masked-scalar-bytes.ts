import { findAsciiEmails } from "@sluice/masking/ascii-emails";
import {
  hasAsciiMaskedForm,
  MAX_REPLACEMENT_BYTES,
  writeAsciiMasked,
  writeAsciiSpansMasked,
} from "@sluice/masking/ascii-masked-bytes";
import { detectorNamesOf } from "@sluice/masking/content-masker";
import { detect } from "@sluice/masking/detectors";
import type { MaskRule } from "@sluice/masking/strategies";
import { QUOTE } from "./json-stream-states";
import type { Output } from "./masker-output";
import type { ResponseMasking } from "./value-masking";

/**
 * A scalar's replacement made from its bytes, for ASCII values whose bytes are their text (escape-
 * and control-free strings, numbers): the JSON string maskedJsonValue or maskDetected plus
 * JSON.stringify would make, written into one reused buffer with no string, slice or hash buffer
 * per value. Such text holds no quote, backslash or control character, so quoting it is escaping
 * it. One per compiled masking, shared by its maskers (not a buffer allocated per small call):
 * a replacement lives only from maskScalar making it to push or end writing it,
 * within one synchronous call, so no other masker can run in between.
 */
export class MaskedScalarBytes {
  private buffer = Buffer.allocUnsafe(256);
  private length = 0;

  constructor(private readonly masking: ResponseMasking) {}

  /** Whether `rule` has a byte form here; if so, the replacement of the whole value is made. */
  byRule(rule: MaskRule, source: Buffer, from: number, to: number): boolean {
    if (!hasAsciiMaskedForm(rule)) return false;
    const buffer = this.reserve(to - from + MAX_REPLACEMENT_BYTES);
    buffer[0] = QUOTE;
    const end = writeAsciiMasked(rule, source, from, to, this.masking.hashKey, buffer, 1);
    buffer[end] = QUOTE;
    this.length = end + 1;
    return true;
  }

  /**
   * The detectors' spans in the value replaced; false (nothing made) when none found anything.
   * When the byte gates found that only the email detector could match (`isEmailOnly`), its spans
   * are read from the bytes: what `detect` finds then, without a string or a regex per value.
   */
  byDetectors(source: Buffer, from: number, to: number, isEmailOnly: boolean): boolean {
    const detectors = this.masking.detectors;
    const spans = isEmailOnly
      ? findAsciiEmails(source, from, to)
      : detect(source.toString("latin1", from, to), detectorNamesOf(detectors));
    if (spans.length === 0) return false;
    const buffer = this.reserve(to - from + spans.length * MAX_REPLACEMENT_BYTES);
    buffer[0] = QUOTE;
    const end = writeAsciiSpansMasked(
      spans,
      detectors,
      source,
      from,
      to - from,
      this.masking.hashKey,
      buffer,
      1,
    );
    buffer[end] = QUOTE;
    this.length = end + 1;
    return true;
  }

  writeTo(out: Output): void {
    out.range(this.buffer, 0, this.length);
  }

  /** The buffer, with room for the quotes and `bytes` between them. */
  private reserve(bytes: number): Buffer {
    if (this.buffer.length < bytes + 2)
      this.buffer = Buffer.allocUnsafe(Math.max(bytes + 2, this.buffer.length * 2));
    return this.buffer;
  }
}

/** A value's replacement: JSON text, the bytes made in the masker's MaskedScalarBytes, or none. */
export type Replacement = string | MaskedScalarBytes | null;

export function writeReplacement(out: Output, replacement: string | MaskedScalarBytes): void {
  if (typeof replacement === "string") out.text(replacement);
  else replacement.writeTo(out);
}
