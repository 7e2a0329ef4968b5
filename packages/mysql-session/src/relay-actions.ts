import { parseErr } from "@sluice/mysql-wire/responses";
import type { MySqlClientError } from "./mysql-client-error";
import type { RelayOptions } from "./relay-options";

/** What the relay asks the transport to do, in order. */
export type RelayAction =
  | { kind: "to-client"; sequenceId: number; payload: Buffer }
  | { kind: "to-upstream"; raw: Buffer }
  | { kind: "close"; reason: string };

/** Where what the client gets back is recorded: the relay's hooks, read at each error. */
type ResultRecording = Pick<RelayOptions, "hooks">;

/**
 * The ERR packets the client gets outside a result: a refusal (the session continues), a fatal
 * error (the connection closes after it), and the upstream's own ERR as the client sees it. One
 * place, so each refusal is recorded the same way whatever refused it.
 */
export class ClientErrorPackets {
  constructor(private readonly recording: ResultRecording) {}

  /** A command refused: its ERR packet answers the command (sequence id 1), and is recorded. */
  refusal(error: MySqlClientError): RelayAction {
    const payload = error.payload();
    this.record(payload);
    return { kind: "to-client", sequenceId: 1, payload };
  }

  /** The client broke the protocol: its ERR packet, then the close. */
  fatal(error: MySqlClientError): RelayAction[] {
    return [
      { kind: "to-client", sequenceId: 1, payload: error.payload() },
      { kind: "close", reason: error.message },
    ];
  }

  /** An ERR packet as the client gets it (the server's text withheld when it may quote masked values). */
  record(payload: Buffer): void {
    const onResult = this.recording.hooks?.onResult;
    if (!onResult) return;
    const error = parseErr(payload);
    onResult({ type: "error", code: error.sqlState, message: error.message });
  }
}
