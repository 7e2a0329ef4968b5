import type { FrameBuffer } from "@sluice/wire/frame-buffer";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { ServerCode } from "@sluice/wire/server-codes";
import type { Relay } from "./relay";
import type { RelayStep } from "./relay-step";
import { isPassedInPlace, type ResultMasker } from "./result-masker";

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

/**
 * Upstream messages as they are: the chunk's own bytes (one view, no copy) while the messages relayed
 * unchanged lie one after another in it, as a whole answer read at once does. Messages are read in
 * place: no object or view per message, only one per run of unchanged messages.
 */
function plain(frames: FrameBuffer, relay: Relay): Buffer | null {
  // The run being extended: `runBytes[runStart..runEnd]`, messages relayed unchanged.
  let runBytes: Buffer | null = null;
  let runStart = 0;
  let runEnd = 0;
  // Only when the output is more than one run: runs and replacements, in order.
  let pieces: Buffer[] | null = null;
  for (let view = frames.nextInPlace(); view; view = frames.nextInPlace()) {
    const replacement = relay.beforeUpstreamMessageAt(
      view.type,
      view.bytes,
      view.start + TAGGED_HEADER_BYTES,
      view.end,
    );
    if (!replacement && view.bytes === runBytes && view.start === runEnd) {
      runEnd = view.end;
      continue;
    }
    if (runBytes) pieces = appended(pieces, wholeOrRange(runBytes, runStart, runEnd));
    if (replacement) {
      pieces = appended(pieces, replacement);
      runBytes = null;
    } else {
      runBytes = view.bytes;
      runStart = view.start;
      runEnd = view.end;
    }
  }
  // A read passed on whole is the read itself, not a new view of all of it.
  const run = runBytes ? wholeOrRange(runBytes, runStart, runEnd) : null;
  if (!pieces) return run;
  if (run) pieces.push(run);
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
}

/** `bytes[start..end]`: `bytes` itself when that is all of it. */
function wholeOrRange(bytes: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
}

/** `pieces` with `piece` at its end: the list is made only once a read has more than one piece. */
function appended(pieces: Buffer[] | null, piece: Buffer): Buffer[] {
  if (!pieces) return [piece];
  pieces.push(piece);
  return pieces;
}

function masked(frames: FrameBuffer, relay: Relay, masker: ResultMasker, chunkBytes: number): Buffer | null {
  // Masked values can be longer than the originals (a placeholder for a short value): some room.
  // A read the masking changes nothing in (rows of no masked column, the answers around them) goes
  // to the client as the read itself, as without masking: the output copies only once it must.
  const out = OutputBuffer.viewFirst(chunkBytes + (chunkBytes >> 2) + 256);
  // Rows, most of a result's messages, are read where they lie and masked a run at a time (one
  // native call for a read's rows): consecutive rows in one piece of memory, with no other
  // message between them, belong to one source. The relay never replaces a row
  // (beforeUpstreamMessage answers to other types only).
  let runBytes: Buffer | null = null;
  let runStart = 0;
  let runEnd = 0;
  for (let view = frames.nextInPlace(); view; view = frames.nextInPlace()) {
    if (view.type === ServerCode.DataRow) {
      if (view.bytes === runBytes && view.start === runEnd) {
        runEnd = view.end;
        continue;
      }
      if (runBytes) masker.maskRowsInto(runBytes, runStart, runEnd, out);
      runBytes = view.bytes;
      runStart = view.start;
      runEnd = view.end;
      continue;
    }
    // The run is masked before the pairing hears of anything after it.
    if (runBytes) masker.maskRowsInto(runBytes, runStart, runEnd, out);
    runBytes = null;
    if (isPassedInPlace(view.type)) {
      // A result's closing messages, one or two per statement, and the extended protocol's
      // acknowledgements and descriptions carry no value: read in place, as without masking (the
      // relay replaces none of them today; a replacement goes as below).
      const bodyStart = view.start + TAGGED_HEADER_BYTES;
      const replacement = relay.beforeUpstreamMessageAt(view.type, view.bytes, bodyStart, view.end);
      if (replacement) {
        masker.follow(view.type, view.bytes.subarray(bodyStart, view.end));
        out.append(replacement);
      } else masker.passAnswerAt(view.type, view.bytes, view.start, view.end, out);
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
  if (runBytes) masker.maskRowsInto(runBytes, runStart, runEnd, out);
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
    // A new list only once the masker asks for a message of its own (not one per step).
    let withAsked: Buffer[] | null = null;
    for (let i = 0; i < step.toUpstream.length; i += 1) {
      const message = step.toUpstream[i] as Buffer;
      const before = masker.noteSent(message, step.scope);
      if (before) {
        withAsked ??= step.toUpstream.slice(0, i);
        withAsked.push(before);
      }
      withAsked?.push(message);
    }
    if (withAsked) messages = withAsked;
  }
  if (messages.length === 0) return null;
  return messages.length === 1 ? (messages[0] as Buffer) : Buffer.concat(messages);
}
