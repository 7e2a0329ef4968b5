import { bytes, type RawClient } from "../../apps/gateway/test/support/raw-client";
import { rawLogin } from "../../apps/gateway/test/support/raw-login";
import { createFrameTracker, realignFiller } from "./frame-tracker";

/**
 * Filler the fuzzer sends at most to finish a message whose length lied (a few bytes in practice;
 * a header rebuilt from body bytes can promise up to the gateway's 64 MiB cap, and such a session
 * is left instead).
 */
const MAX_FILLER_BYTES = 64 * 1024;
/** How long a session may take to answer the marker after a mutated sequence. */
const MARKER_WAIT_MS = 5000;
/**
 * How long each step of a login may take: a long run on a loaded machine (its process niced) can
 * wait seconds for the CPU, and a login slow for that reason is not what the fuzzer looks for.
 */
const LOGIN_STEP_WAIT_MS = 30_000;

/**
 * How a session came out of a sequence: "answered" (it answered the marker and goes on),
 * "closed" (the gateway ended it), "waiting" (it neither answered nor closed in MARKER_WAIT_MS),
 * "left" (it waits for more filler than the fuzzer sends).
 */
export type SequenceOutcome = "answered" | "closed" | "waiting" | "left";

export type FuzzedSession = {
  /** Writes a mutated sequence, finishes any message it left open, then asks for the marker. */
  sendAndMark: (chunks: readonly Buffer[], marker: string) => Promise<SequenceOutcome>;
  isOpen: () => boolean;
  close: () => void;
};

/**
 * A logged-in session the fuzzer keeps for as long as the gateway does: it follows the framing of
 * what it sent, so a sequence whose length lied is finished with filler (judged like any message)
 * instead of costing the session, and every sequence ends with a marker query whose answer says
 * the session is still in step.
 */
export async function openFuzzedSession(
  port: number,
  user: string,
  token: string,
  database: string,
): Promise<FuzzedSession> {
  const { client } = await rawLogin(port, user, token, database, LOGIN_STEP_WAIT_MS);
  const frames = createFrameTracker();
  let isLeft = false;
  const write = (chunk: Buffer) => {
    client.write(chunk);
    frames.feed(chunk);
  };
  return {
    sendAndMark: async (chunks, marker) => {
      for (const chunk of chunks) write(chunk);
      const filler = realignFiller(frames, MAX_FILLER_BYTES);
      if (filler === null) {
        // The gateway refused a header (it closes) or waits for more than is worth sending.
        if (frames.state().kind === "partial") {
          isLeft = true;
          return "left";
        }
        return (await closedWithin(client, MARKER_WAIT_MS)) ? "closed" : "waiting";
      }
      client.write(filler);
      // Sync ends a batch the mutation left open; ROLLBACK a transaction it left aborted, where
      // the marker would be refused; the marker's row then says everything before it was answered.
      write(
        Buffer.concat([
          bytes.tagged("S", Buffer.alloc(0)),
          bytes.query("ROLLBACK"),
          bytes.query(`SELECT '${marker}'`),
        ]),
      );
      return awaitMarker(client, marker);
    },
    isOpen: () => !client.isClosed && !isLeft,
    close: () => client.close(),
  };
}

async function awaitMarker(client: RawClient, marker: string): Promise<SequenceOutcome> {
  const deadline = Date.now() + MARKER_WAIT_MS;
  const wanted = Buffer.from(marker);
  try {
    for (;;) {
      const message = await client.readMessage(Math.max(1, deadline - Date.now()));
      if (message.type === "D" && message.body.includes(wanted)) {
        await client.readUntil("Z", Math.max(1, deadline - Date.now()));
        return "answered";
      }
    }
  } catch {
    return client.isClosed ? "closed" : "waiting";
  }
}

async function closedWithin(client: RawClient, timeoutMs: number): Promise<boolean> {
  try {
    await client.waitClosed(timeoutMs);
    return true;
  } catch {
    return client.isClosed;
  }
}
