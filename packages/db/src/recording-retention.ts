import type { PrismaClient } from "./prisma";

/**
 * Deletes recordings older than their connection's retention (sessions and their counts stay, so
 * the history of who connected remains). Each connection's deletion is an audit event.
 */
export async function deleteExpiredRecordings(prisma: PrismaClient, actorName: string): Promise<number> {
  const connections = await prisma.connection.findMany({
    select: { id: true, name: true, retentionDays: true },
  });
  let total = 0;
  for (const connection of connections) {
    const cutoff = new Date(Date.now() - connection.retentionDays * 86_400_000);
    const deleted = await prisma.recordingChunk.deleteMany({
      where: { session: { connectionId: connection.id, startedAt: { lt: cutoff } } },
    });
    if (deleted.count === 0) continue;
    total += deleted.count;
    await prisma.auditEvent.create({
      data: {
        actorType: "SYSTEM",
        actorName,
        action: "recording.retention_deleted",
        targetType: "connection",
        targetId: connection.id,
        metadata: {
          connection: connection.name,
          chunks: deleted.count,
          olderThan: cutoff.toISOString(),
          retentionDays: connection.retentionDays,
        },
      },
    });
  }
  return total;
}
