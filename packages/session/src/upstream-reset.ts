import { encodeQuery } from "@sluice/wire/client-encoders";
import { ErrorField, ServerCode, TransactionStatus } from "@sluice/wire/server-codes";

/**
 * What a pooled upstream must look like before another agent's session gets it. `DISCARD ALL`
 * closes cursors, resets every setting (to the login's startup values), ends SET ROLE and SET
 * SESSION AUTHORIZATION, drops prepared statements, temporary tables and plans, stops listening and
 * releases advisory locks; it cannot run inside a transaction block, so an open transaction fails it.
 * The check then asks the server itself whether that worked, instead of trusting that it did.
 * @see https://www.postgresql.org/docs/current/sql-discard.html
 */
export const RESET_SQL = "DISCARD ALL";

/**
 * One row, every column text: who the session is, and what it still holds. Every function, operator
 * and type is pg_catalog's by name: the session's search_path is back at the role's or database's
 * default, which may place another schema's look-alike `count(*)` or `=` ahead of pg_catalog's.
 */
export const RESET_CHECK_SQL = [
  "SELECT current_user::pg_catalog.text, session_user::pg_catalog.text,",
  "(SELECT pg_catalog.count(*) FROM pg_catalog.pg_locks WHERE pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND locktype OPERATOR(pg_catalog.=) 'advisory')::pg_catalog.text,",
  "(SELECT pg_catalog.count(*) FROM pg_catalog.pg_listening_channels())::pg_catalog.text,",
  "(SELECT pg_catalog.count(*) FROM pg_catalog.pg_prepared_statements)::pg_catalog.text,",
  "(SELECT pg_catalog.count(*) FROM pg_catalog.pg_cursors)::pg_catalog.text,",
  "(SELECT pg_catalog.count(*) FROM pg_catalog.pg_class WHERE relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())::pg_catalog.text,",
  // Back at the role's or database's default, which servers before 18 never report.
  "pg_catalog.current_setting('search_path')",
].join(" ");

const CHECK_COLUMNS = [
  "current_user",
  "session_user",
  "advisory locks",
  "LISTEN channels",
  "prepared statements",
  "cursors",
  "temporary relations",
];

/** The reset did not leave the upstream clean: the pool closes it instead of reusing it. */
export class UpstreamResetFailed extends Error {
  constructor(why: string) {
    super(`the pooled upstream could not be reset: ${why}`);
    this.name = "UpstreamResetFailed";
  }
}

export type ResetOutcome = {
  /** ParameterStatus frames the server sent while resetting (settings returned to the login's). */
  parameterStatus: Buffer[];
  /** The session's search_path after the reset, as the server read it back. */
  searchPath: string;
};

/**
 * The reset as steps: `request()` is the bytes to send (both queries at once), `handle` takes each
 * upstream message and returns the outcome after the second ReadyForQuery. Anything unexpected
 * (an error, a transaction left open, a row that is not the clean one) throws UpstreamResetFailed.
 * @param loginUser the connection's brokered user: both current_user and session_user must be it.
 */
export function createUpstreamReset(loginUser: string) {
  const parameterStatus: Buffer[] = [];
  let readies = 0;
  let row: (string | null)[] | null = null;
  let discarded = false;

  return {
    request(): Buffer {
      return Buffer.concat([encodeQuery(RESET_SQL), encodeQuery(RESET_CHECK_SQL)]);
    },

    handle(type: number, body: Buffer, raw: Buffer): ResetOutcome | null {
      switch (type) {
        case ServerCode.ParameterStatus:
          parameterStatus.push(raw);
          return null;
        // Notifications queued before UNLISTEN ran, and notices: nobody's to read, dropped.
        case ServerCode.NotificationResponse:
        case ServerCode.NoticeResponse:
          return null;
        case ServerCode.CommandComplete:
          if (readies === 0) discarded = commandTag(body) === "DISCARD ALL";
          return null;
        case ServerCode.RowDescription:
          if (readies !== 1) throw new UpstreamResetFailed("a row description before the check");
          return null;
        case ServerCode.DataRow:
          if (readies !== 1 || row) throw new UpstreamResetFailed("an unexpected row");
          row = readTextRow(body);
          return null;
        case ServerCode.ErrorResponse:
          throw new UpstreamResetFailed(`the server answered with an error (${errorCode(body)})`);
        case ServerCode.ReadyForQuery: {
          const status = body[0];
          if (status !== TransactionStatus.Idle) {
            throw new UpstreamResetFailed(
              `a transaction is still open (${String.fromCharCode(status ?? 0)})`,
            );
          }
          readies += 1;
          if (readies === 1) {
            if (!discarded) throw new UpstreamResetFailed("DISCARD ALL did not complete");
            return null;
          }
          return { parameterStatus, searchPath: checkRow(row, loginUser) };
        }
        default:
          throw new UpstreamResetFailed(`unexpected message type ${type} while resetting`);
      }
    },
  };
}

/** Throws unless the row is the clean one; returns the search_path it read. */
function checkRow(row: (string | null)[] | null, loginUser: string): string {
  if (!row || row.length !== CHECK_COLUMNS.length + 1)
    throw new UpstreamResetFailed("the check returned no row");
  const expected = [loginUser, loginUser, "0", "0", "0", "0", "0"];
  for (const [index, value] of row.slice(0, CHECK_COLUMNS.length).entries()) {
    if (value !== expected[index]) {
      throw new UpstreamResetFailed(`${CHECK_COLUMNS[index]} is ${JSON.stringify(value)} after DISCARD ALL`);
    }
  }
  const searchPath = row[CHECK_COLUMNS.length];
  if (searchPath === null || searchPath === undefined) throw new UpstreamResetFailed("search_path is NULL");
  return searchPath;
}

function commandTag(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString("utf8", 0, end < 0 ? body.length : end);
}

/** @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW */
export function readTextRow(body: Buffer): (string | null)[] {
  const count = body.readInt16BE(0);
  const values: (string | null)[] = [];
  let offset = 2;
  for (let column = 0; column < count; column += 1) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      values.push(null);
      continue;
    }
    values.push(body.toString("utf8", offset, offset + length));
    offset += length;
  }
  return values;
}

const SQLSTATE_FIELD = ErrorField.Code.charCodeAt(0);

/** The SQLSTATE field of an ErrorResponse body (the text may quote another agent's statement: not logged). */
function errorCode(body: Buffer): string {
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const field = body[offset];
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    if (field === SQLSTATE_FIELD) return body.toString("utf8", offset + 1, end);
    offset = end + 1;
  }
  return "unknown";
}
