import type { SessionHooks } from "@sluice/transport/client-connection";
import type { RecordingWriter } from "./recording-writer";

/** Session hooks that record, composed with the audit hooks that create and close the session row. */
export function withRecording(audit: SessionHooks, writer: RecordingWriter): SessionHooks {
  return {
    async onSessionStart(info) {
      // Before the session row: a refused login leaves no session behind.
      writer.refuseIfKeptBound();
      const sessionId = await audit.onSessionStart(info);
      await writer.start(sessionId, info);
      return sessionId;
    },
    onVerdict(sessionId, sql, verdict) {
      writer.verdict(sessionId, sql, verdict);
      audit.onVerdict?.(sessionId, sql, verdict);
    },
    onClientBytes(sessionId, bytes) {
      writer.clientBytes(sessionId, bytes);
    },
    onResultEvent(sessionId, event) {
      writer.resultEvent(sessionId, event);
    },
    onSessionEnd(sessionId, reason) {
      void writer.end(sessionId, reason);
      audit.onSessionEnd(sessionId, reason);
    },
  };
}
