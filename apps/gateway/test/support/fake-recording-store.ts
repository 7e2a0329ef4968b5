import type { PrismaClient } from "@sluice/db/prisma";
import type { StoredChunk } from "@sluice/recording/hash-chain";

export type CreateCall = { data: StoredChunk & { sessionId: string } };

/**
 * The store as the writer sees it. `create` decides per attempt what the store answers: stored,
 * refused (as a unique violation: Prisma's P2002), or never answered until `release` is called. A multi-row insert (raw SQL) asks it
 * for each row and is one statement: refused if any row is, stalled if any row is, else stored whole.
 */
export function fakeStore(
  create: (
    call: CreateCall,
    attempt: number,
  ) => "store" | "refuse" | "refuse as a duplicate" | "stall" | "store, answer lost",
  /** Refuses every UPDATE of ended sessions' rows (SessionRowBatches); lone updates still go. */
  options: { isRefusingSessionRowBatches?: boolean } = {},
) {
  const stored: CreateCall["data"][] = [];
  let anchor: { chunks: number; hash: string } | null = null;
  const anchors = new Map<string, { chunks: number; hash: string }>();
  const stalled: (() => void)[] = [];
  let isReleased = false;
  let attempts = 0;
  /** Rows per multi-row insert, in order. */
  const batches: number[] = [];
  /** Rows per UPDATE of ended sessions, in order. */
  const sessionRowBatches: number[] = [];
  const prisma = {
    connection: { findUnique: async () => ({ recordResultBytes: 1024 * 1024 }) },
    recordingChunk: {
      findUnique: async ({ where }: { where: { sessionId_seq: { sessionId: string; seq: number } } }) =>
        stored.find(
          (chunk) =>
            chunk.seq === where.sessionId_seq.seq && chunk.sessionId === where.sessionId_seq.sessionId,
        ) ?? null,
      create: (call: CreateCall) => {
        const answer = create(call, attempts++);
        const store = () => {
          stored.push(call.data);
          return { seq: call.data.seq };
        };
        if (answer === "refuse") return Promise.reject(new Error("the store is unavailable"));
        if (answer === "refuse as a duplicate") return Promise.reject(duplicate());
        if (answer === "store, answer lost") {
          store();
          return Promise.reject(new Error("connection reset"));
        }
        if (answer === "store" || isReleased) return Promise.resolve(store());
        return new Promise((resolve) => stalled.push(() => resolve(store())));
      },
    },
    /** The writer's multi-row INSERT of chunks: its parameters, six a row, in the table's column order. */
    $executeRawUnsafe: (sql: string, ...values: unknown[]) => {
      if (sql.startsWith("UPDATE gateway_sessions s SET")) {
        if (options.isRefusingSessionRowBatches) return Promise.reject(new Error("the store is unavailable"));
        // Ended sessions' rows (SessionRowBatches), ten values a row: the id first, the anchor last.
        for (let at = 0; at < values.length; at += 10) {
          const [id, , , , , , , , chunks, hash] = values.slice(at, at + 10);
          if (typeof chunks !== "number" || typeof hash !== "string") continue;
          anchor = { chunks, hash };
          anchors.set(id as string, anchor);
        }
        sessionRowBatches.push(values.length / 10);
        return Promise.resolve(values.length / 10);
      }
      if (
        !sql.startsWith(
          "INSERT INTO recording_chunks (session_id, seq, payload, event_count, prev_hash, hash)",
        )
      )
        throw new Error(`the fake store does not know ${sql}`);
      const rows: CreateCall["data"][] = [];
      for (let at = 0; at < values.length; at += 6) {
        const [sessionId, seq, payload, eventCount, prevHash, hash] = values.slice(at, at + 6);
        rows.push({ sessionId, seq, payload, eventCount, prevHash, hash } as CreateCall["data"]);
      }
      batches.push(rows.length);
      const answers = rows.map((data) => create({ data }, attempts++));
      const store = () => {
        stored.push(...rows);
        return rows.length;
      };
      if (answers.includes("refuse")) return Promise.reject(new Error("the store is unavailable"));
      if (answers.includes("refuse as a duplicate")) return Promise.reject(duplicate());
      if (answers.includes("store, answer lost")) {
        store();
        return Promise.reject(new Error("connection reset"));
      }
      if (!answers.includes("stall") || isReleased) return Promise.resolve(store());
      return new Promise((resolve) => stalled.push(() => resolve(store())));
    },
    gatewaySession: {
      update: async (call: {
        where: { id: string };
        data: { recordingChunks: number; recordingHash: string };
      }) => {
        anchor = { chunks: call.data.recordingChunks, hash: call.data.recordingHash };
        anchors.set(call.where.id, anchor);
        return {};
      },
    },
  } as unknown as PrismaClient;
  return {
    prisma,
    stored,
    /** The last anchor written, of any session. */
    anchor: () => anchor,
    anchorOf: (sessionId: string) => anchors.get(sessionId) ?? null,
    attempts: () => attempts,
    batches,
    sessionRowBatches,
    /** Answers the stalled attempts, and every later one at once. */
    release: () => {
      isReleased = true;
      for (const resolve of stalled.splice(0)) resolve();
    },
  };
}

function duplicate(): Error {
  return Object.assign(new Error("Unique constraint failed on the fields: (`session_id`,`seq`)"), {
    code: "P2002",
  });
}
