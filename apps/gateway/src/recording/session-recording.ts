import { redactLiterals as redactMySqlLiterals } from "@sluice/mysql-sql/server-lexing";
import type { Verdict } from "@sluice/policy/verdict";
import { GENESIS_HASH } from "@sluice/recording/hash-chain";
import { CappedResults } from "@sluice/recording/result-events";
import { SessionRecorder } from "@sluice/recording/session-recorder";
import { redactLiterals as redactPostgresLiterals } from "@sluice/sql/redact-literals";
import type { SessionInfo } from "@sluice/transport/client-connection";

/** An allow that masked nothing: its verdict line carries no table list. */
const NO_TABLES: readonly string[] = [];

/** One live session's recording, as `RecordingWriter` keeps it between flushes. */
export type Recording = {
  recorder: SessionRecorder;
  seq: number;
  prevHash: string;
  /** Chunk writes of one session go one after another, so the chain is stored in order. */
  writing: Promise<void>;
  /** Bytes drained into chunks that are not stored yet (or given up). */
  unstoredBytes: number;
  /** The session was asked to end because its recording could not keep up. */
  isOverflowing: boolean;
  isHeld: boolean;
  /** Results a front end reports as events (MySQL), capped as the recorder caps wire rows. */
  results: CappedResults;
};

/** A session's recording from its start: the connect event, an empty chain. */
export function openRecording(info: SessionInfo, resultBytesCap: number): Recording {
  const recorder = new SessionRecorder({
    resultBytesCap,
    redactLiterals: info.connection.dialect === "mysql" ? redactMySqlLiterals : redactPostgresLiterals,
  });
  recorder.connect({
    agent: info.agent.agentName,
    groups: [...info.agent.groups],
    connection: info.connection.name,
    clientAddress: info.clientAddress,
    isTls: info.isTls,
  });
  return {
    recorder,
    seq: 0,
    prevHash: GENESIS_HASH,
    writing: Promise.resolve(),
    unstoredBytes: 0,
    isOverflowing: false,
    isHeld: false,
    results: new CappedResults((event) => recorder.resultEvent(event), recorder.resultBytesCap),
  };
}

/** A statement's verdict into its recording; the verdict after a hold is recorded as its release. */
export function recordVerdict(recording: Recording, sql: string, verdict: Verdict): void {
  const isRelease = recording.isHeld;
  recording.isHeld = verdict.kind === "hold";
  // One object shape for every verdict (absent fields undefined, which the lines leave out): built
  // per statement, spread objects were a copy each.
  recording.recorder.verdict(
    sql,
    verdict.kind === "allow"
      ? {
          kind: "allow",
          rule: undefined,
          message: verdict.note || undefined,
          maskedTables: verdict.maskedTables ?? NO_TABLES,
        }
      : { kind: verdict.kind, rule: verdict.rule, message: verdict.message, maskedTables: undefined },
    isRelease,
  );
}
