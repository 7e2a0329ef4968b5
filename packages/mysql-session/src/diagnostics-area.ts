import { isEofPacket, isErrPacket, isOkPacket, parseOk } from "@sluice/mysql-wire/responses";
import type { MaskingScope } from "./masking-scope";

/**
 * Whether the server's diagnostics area (what SHOW WARNINGS / SHOW ERRORS read) may still hold
 * conditions raised while masked values were read ("Truncated incorrect INTEGER value:
 * '123-45-6789'").
 *
 * The server keeps those conditions across statements that raise none and use no table
 * (`SELECT 1`, `SET @a = 1`), across statements Sluice refused (they never reach it) and across
 * commands such as COM_PING: "the statement before SHOW WARNINGS" is not what the area holds. So
 * a read of masked values marks the area, and only an answer that proves the area was replaced
 * clears the mark: an unmasked statement whose own answer carries a condition (an ERR, or a
 * warning count above zero), since raising a condition clears what earlier statements left.
 * Anything else keeps the mark: redacting an empty area costs nothing, guessing costs a leak.
 * @see https://mariadb.com/kb/en/show-warnings/
 */
export class DiagnosticsArea {
  private isMarked = false;

  /** SHOW WARNINGS / ERRORS now may read conditions that quote masked values. */
  get mayQuoteMasked(): boolean {
    return this.isMarked;
  }

  /** A command goes upstream under this scope. */
  forwarded(scope: MaskingScope): void {
    if (scope.readsMasked) this.isMarked = true;
  }

  /** COM_RESET_CONNECTION empties the server's diagnostics area with the rest of the session. */
  wasReset(): void {
    this.isMarked = false;
  }

  /** The command's answer is complete; `last` is its final packet (undefined when none was read). */
  answered(scope: MaskingScope, last: Buffer | undefined): void {
    if (scope.readsMasked || last === undefined) return;
    if (raisedCondition(last)) this.isMarked = false;
  }
}

/** An ERR, or an OK/EOF terminator whose warning count is above zero. */
function raisedCondition(payload: Buffer): boolean {
  if (isErrPacket(payload)) return true;
  // The classic EOF: 0xFE, warnings (2 bytes), status (2 bytes).
  if (isEofPacket(payload) && payload.length >= 5 && payload.length < 9) return payload.readUInt16LE(1) > 0;
  if (isOkPacket(payload) || isEofPacket(payload)) {
    try {
      return parseOk(payload).warnings > 0;
    } catch {
      return false;
    }
  }
  return false;
}
