import { toAsciicast } from "@sluice/recording/asciicast";
import { unpackChunks } from "@sluice/recording/chunk-codec";
import type { RecordingEvent } from "@sluice/recording/events";
import { type ChainVerdict, verifyChain } from "@sluice/recording/hash-chain";
import { renderFrames } from "@sluice/recording/render-terminal";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";
import { sessionNames } from "./session-names";

export const ZRecordingQuery = z.object({
  /** Live view: only events of chunks after this seq (the client has the rest). */
  after: z.coerce.number().int().min(-1).optional(),
});

/** The chain's key and, for an ended session, the anchor its row holds. */
function chainOptions(
  context: AdminContext,
  session: { recordingChunks: number | null; recordingHash: string | null },
) {
  return {
    key: deriveKey(context.secretKey, RECORDING_CHAIN_PURPOSE),
    anchor:
      session.recordingChunks !== null && session.recordingHash !== null
        ? { chunks: session.recordingChunks, hash: session.recordingHash }
        : null,
  };
}

async function loadSession(context: AdminContext, sessionId: string) {
  const session = await context.db.gatewaySession.findUnique({
    where: { id: sessionId },
    include: { agent: { select: { name: true } }, connection: { select: { name: true } } },
  });
  if (!session) throw new AdminError("not_found", "no such session");
  return session;
}

/**
 * A session's recording for the replay player: its events (masked when recorded) and whether the
 * hash chain holds. Opening a recording is an audit event; the live view's follow-up polls are not.
 */
export async function getRecording(context: AdminContext, options: { sessionId: string; query: unknown }) {
  assertCan(context.actor, "sessions:read");
  const query = parseInput(ZRecordingQuery, options.query);
  const session = await loadSession(context, options.sessionId);
  const chunks = await context.db.recordingChunk.findMany({
    where: { sessionId: session.id },
    orderBy: { seq: "asc" },
  });
  const verification: ChainVerdict = verifyChain(chunks, chainOptions(context, session));
  const after = query.after ?? -1;
  const events = unpackChunks(chunks.filter((chunk) => chunk.seq > after));
  if (query.after === undefined) {
    await recordAudit(context.db, context.actor, {
      action: "session.recording_viewed",
      targetType: "session",
      targetId: session.id,
    });
  }
  return {
    session: {
      id: session.id,
      ...sessionNames(session),
      clientAddress: session.clientAddress,
      isTls: session.isTls,
      startedAt: session.startedAt,
      endedAt: session.endedAt,
      endReason: session.endReason,
    },
    verification,
    lastSeq: chunks.at(-1)?.seq ?? -1,
    events,
  };
}

export const ZExportQuery = z.object({ format: z.enum(["asciicast", "json"]).default("asciicast") });

/** The recording as an asciicast v2 file (plays in asciinema's player) or as JSON; audited. */
export async function exportRecording(context: AdminContext, options: { sessionId: string; query: unknown }) {
  assertCan(context.actor, "sessions:read");
  const query = parseInput(ZExportQuery, options.query);
  const session = await loadSession(context, options.sessionId);
  const chunks = await context.db.recordingChunk.findMany({
    where: { sessionId: session.id },
    orderBy: { seq: "asc" },
  });
  const events: RecordingEvent[] = unpackChunks(chunks);
  await recordAudit(context.db, context.actor, {
    action: "session.recording_exported",
    targetType: "session",
    targetId: session.id,
    metadata: { format: query.format },
  });
  const names = sessionNames(session);
  const title = `${names.agentName} on ${names.connectionName}`;
  if (query.format === "json") {
    return {
      filename: `sluice-session-${session.id}.json`,
      contentType: "application/json",
      body: JSON.stringify(
        {
          session: {
            id: session.id,
            agent: names.agentName,
            connection: names.connectionName,
            startedAt: session.startedAt,
          },
          verification: verifyChain(chunks, chainOptions(context, session)),
          events,
        },
        null,
        2,
      ),
    };
  }
  return {
    filename: `sluice-session-${session.id}.cast`,
    contentType: "application/x-asciicast",
    body: toAsciicast(renderFrames(events), { title, startedAt: session.startedAt }),
  };
}

/** Deletes a session's recording (the session row and its counts stay); audited with what went. */
export async function deleteRecording(context: AdminContext, options: { sessionId: string }) {
  assertCan(context.actor, "recordings:delete");
  await context.db.$transaction(async (db) => {
    const session = await db.gatewaySession.findUnique({ where: { id: options.sessionId } });
    if (!session) throw new AdminError("not_found", "no such session");
    const deleted = await db.recordingChunk.deleteMany({ where: { sessionId: session.id } });
    await recordAudit(db, context.actor, {
      action: "session.recording_deleted",
      targetType: "session",
      targetId: session.id,
      before: { chunks: deleted.count, startedAt: session.startedAt },
    });
  });
}
