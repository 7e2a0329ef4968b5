import type { FrameBuffer } from "@sluice/wire/frame-buffer";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { ServerCode } from "@sluice/wire/server-codes";
import type { Relay } from "./relay";
import type { RelayStep } from "./relay-step";
import type { ResultMasker } from "./result-masker";

/**
 * What the client gets for the upstream messages now whole in `frames`, as one buffer (one socket
 * write per upstream read), or null when none is whole yet. Without a masker the messages pass as
 * they are; with one, rows are rewritten where they go. The relay may put Sluice's own denial in
 * place of the server's error for a refusal's stand-in.
 * @param chunkBytes the size of the read that filled `frames`, to size the output.
 */
export function upstreamToClient(
  frames: FrameBuffer,
  relay: Relay,
  masker: ResultMasker | null,
  chunkBytes: number,
): Buffer | null {
  return masker ? masked(frames, relay, masker, chunkBytes) : plain(frames, relay);
}

/** Upstream messages as they are: the chunk's own bytes when it held whole messages only. */
function plain(frames: FrameBuffer, relay: Relay): Buffer | null {
  const out: Buffer[] = [];
  for (let frame = frames.next(); frame; frame = frames.next()) {
    if (frame.kind !== "tagged") continue;
    out.push(relay.beforeUpstreamMessage(frame.type, frame.body) ?? frame.raw);
  }
  if (out.length === 0) return null;
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
}

function masked(frames: FrameBuffer, relay: Relay, masker: ResultMasker, chunkBytes: number): Buffer | null {
  // Masked values can be longer than the originals (a placeholder for a short value): some room.
  const out = new OutputBuffer(chunkBytes + (chunkBytes >> 2) + 256);
  for (let view = frames.nextInPlace(); view; view = frames.nextInPlace()) {
    // Rows, most of a result's messages, are read where they lie: the relay never replaces one
    // (beforeUpstreamMessage answers to other types only).
    if (view.type === ServerCode.DataRow) {
      masker.maskRowInto(view.bytes, view.start, view.end, out);
      continue;
    }
    const raw = view.bytes.subarray(view.start, view.end);
    const body = raw.subarray(TAGGED_HEADER_BYTES);
    // Sluice's own denial in place of the server's error for a refusal's stand-in: nothing to
    // mask, but the masker still follows what the server answered.
    const replacement = relay.beforeUpstreamMessage(view.type, body);
    if (replacement) {
      masker.follow(view.type, body);
      out.append(replacement);
    } else masker.maskInto(view.type, body, raw, out);
  }
  return out.size > 0 ? out.take() : null;
}

/**
 * What a relay step sends upstream, as one buffer (a pipelined batch reaches the upstream in one
 * write), or null. Every message is noted by the masker, which may ask for one of its own first
 * (a Describe of a portal nobody described).
 */
export function clientToUpstream(step: RelayStep, masker: ResultMasker | null): Buffer | null {
  let messages = step.toUpstream;
  if (masker) {
    messages = [];
    for (const message of step.toUpstream) {
      const before = masker.noteSent(message, step.scope);
      if (before) messages.push(before);
      messages.push(message);
    }
  }
  if (messages.length === 0) return null;
  return messages.length === 1 ? (messages[0] as Buffer) : Buffer.concat(messages);
}
