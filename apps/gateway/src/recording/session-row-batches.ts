import type { PrismaClient } from "@sluice/db/prisma";

/**
 * What a session's end writes to its row: the audit's end and counters, the recording's anchor.
 * A field left out keeps the row's value.
 */
export type SessionRowFields = {
  endedAt?: Date;
  endReason?: string;
  statementCount?: number;
  deniedCount?: number;
  maskedCount?: number;
  heldCount?: number;
  tablesTouched?: string[];
  recordingChunks?: number;
  recordingHash?: string;
};

/**
 * How long an ended session's row writes wait for others to join them. An agent that connects per
 * tool call ends sessions many times a second, and each end was two UPDATEs of its own (the end,
 * then the recording's anchor): a third of the store round trips of a connect. Waiting this long
 * puts the ends of a second's sessions, and each session's end beside its anchor, in one statement;
 * the recording's chunks reach the store no more often than this anyway (RECORDING_FLUSH_MS).
 */
export const SESSION_ROW_BATCH_MS = 1000;
/** Rows of one UPDATE: 10 parameters a row, under PostgreSQL's 65,535 a statement. */
export const MAX_SESSION_ROWS = 1000;

/** gateway_sessions' columns (prisma/schema.prisma's @map names) with their types, in rowOf's order. */
const COLUMNS = [
  ["ended_at", "timestamp(3)"],
  ["end_reason", "text"],
  ["statement_count", "int"],
  ["denied_count", "int"],
  ["masked_count", "int"],
  ["held_count", "int"],
  ["tables_touched", "text[]"],
  ["recording_chunks", "int"],
  ["recording_hash", "text"],
] as const;

function rowOf(sessionId: string, fields: SessionRowFields): unknown[] {
  return [
    sessionId,
    // Prisma keeps DateTime as UTC wall time in `timestamp(3)`: the same text it would send.
    fields.endedAt?.toISOString().replace("T", " ").replace("Z", "") ?? null,
    fields.endReason ?? null,
    fields.statementCount ?? null,
    fields.deniedCount ?? null,
    fields.maskedCount ?? null,
    fields.heldCount ?? null,
    fields.tablesTouched ?? null,
    fields.recordingChunks ?? null,
    fields.recordingHash ?? null,
  ];
}

/** One UPDATE of `rows` sessions; a NULL in a row's values leaves that column as it is. */
function updateOf(rows: number): string {
  const width = COLUMNS.length + 1;
  const values = Array.from({ length: rows }, (_, row) => {
    const at = (column: number) => `$${row * width + column + 1}`;
    // Types on every row: a row of NULLs alone would leave PostgreSQL to guess them as text.
    const typed = COLUMNS.map(([, type], column) => `${at(column + 1)}::${type}`);
    return `(${at(0)}::text, ${typed.join(", ")})`;
  });
  const names = COLUMNS.map(([name]) => name);
  const sets = names.map((name) => `${name} = COALESCE(v.${name}, s.${name})`);
  return `UPDATE gateway_sessions s SET ${sets.join(", ")}
    FROM (VALUES ${values.join(", ")}) AS v(id, ${names.join(", ")})
    WHERE s.id = v.id`;
}

type Waiting = {
  fields: SessionRowFields;
  stored: Array<() => void>;
  refused: Array<(error: unknown) => void>;
};

/**
 * Writes ended sessions' rows together: what is handed in within SESSION_ROW_BATCH_MS goes as one
 * UPDATE, two writes of one session as one row. The statement is stored whole or not at all: a
 * refused one rejects every write in it, and each caller tries again on its own (the writer's
 * retries), as an unbatched write always did. Once closing, every write goes at once.
 */
export class SessionRowBatches {
  private waiting = new Map<string, Waiting>();
  private timer: NodeJS.Timeout | null = null;
  private isClosing = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly delayMs: number = SESSION_ROW_BATCH_MS,
  ) {}

  /** Resolves once the row holds `fields`; rejects with the store's error when its batch was refused. */
  write(sessionId: string, fields: SessionRowFields): Promise<void> {
    return new Promise((stored, refused) => {
      const waiting = this.waiting.get(sessionId);
      if (waiting) {
        Object.assign(waiting.fields, fields);
        waiting.stored.push(stored);
        waiting.refused.push(refused);
      } else {
        this.waiting.set(sessionId, { fields: { ...fields }, stored: [stored], refused: [refused] });
      }
      this.schedule();
    });
  }

  /** Writes what waits now, and from then on every write at once (a shutdown waits for none). */
  close(): void {
    this.isClosing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  private schedule(): void {
    if (this.timer) return;
    if (this.isClosing) {
      // Still after this turn: the writes of one session's end made together share a row.
      this.timer = setTimeout(() => this.flush(), 0);
      return;
    }
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    // Pending rows never keep a process alive: close writes them.
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    const rows = [...this.waiting];
    this.waiting = new Map();
    for (let start = 0; start < rows.length; start += MAX_SESSION_ROWS)
      void this.send(rows.slice(start, start + MAX_SESSION_ROWS));
  }

  private async send(rows: Array<[string, Waiting]>): Promise<void> {
    try {
      await this.prisma.$executeRawUnsafe(
        updateOf(rows.length),
        ...rows.flatMap(([sessionId, { fields }]) => rowOf(sessionId, fields)),
      );
    } catch (error) {
      for (const [, waiting] of rows) for (const refused of waiting.refused) refused(error);
      return;
    }
    for (const [, waiting] of rows) for (const stored of waiting.stored) stored();
  }
}
