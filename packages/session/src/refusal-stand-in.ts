import { pooledRandomBytes } from "@sluice/secrets/random-pool";
import { encodeParse, encodeQuery } from "@sluice/wire/client-encoders";
import { createSyntaxErrorProbe, type SyntaxErrorProbe } from "./syntax-error-probe";

/**
 * What goes upstream in place of a refused message: text the server's parser rejects at once,
 * before it reads the catalog or runs anything. The server then does exactly what it does after
 * any error of its own (aborts the transaction block, rolls back the batch's implicit transaction,
 * skips to Sync, reports 'E' or 'I'), and its ErrorResponse marks the refusal's place in the
 * stream; the relay shows the client Sluice's denial there instead. The text carries a per-session
 * nonce so the server's error for it is told apart from any error a client statement could cause.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */
export type RefusalStandIn = {
  /** A simple Query that fails: for a refused Query or FunctionCall (each answered by ReadyForQuery). */
  query: () => Buffer;
  /**
   * A simple Query of `statementsBefore` (the start of a refused message, up to its refused
   * statement) and then a statement that fails. Unlike the bare stand-in it parses, as the server
   * parses the whole message before it runs any of it; it fails at analysis (a column that cannot
   * exist, with no FROM), having read no catalog and changed nothing.
   */
  queryAfter: (statementsBefore: Buffer) => Buffer;
  /**
   * A Parse that fails, for a refused extended-protocol message. Named after the refused Parse, it
   * changes the server's statements exactly as that Parse failing would (an unnamed Parse drops the
   * unnamed statement before parsing; a named one changes nothing).
   */
  parse: (statement?: string) => Buffer;
  /**
   * For text the parser rejects: the Query (or, with `statement`, the Parse, named as `parse` names
   * it) that has the server answer it, and how its answer reaches the client.
   */
  syntaxProbe: (sql: string, statement?: string) => { message: Buffer; probe: SyntaxErrorProbe };
  /** Whether an upstream ErrorResponse body is the server's answer to a stand-in. */
  isStandInError: (errorBody: Buffer) => boolean;
};

/** SQLSTATE syntax_error, which the server reports for the stand-in's text. */
const SYNTAX_ERROR_FIELD = Buffer.from("C42601\0");
/** SQLSTATE undefined_column, which the server reports for the statement after `queryAfter`'s prefix. */
const UNDEFINED_COLUMN_FIELD = Buffer.from("C42703\0");
const QUERY_TAG = 0x51; // 'Q'

/** The session's nonce and the messages that carry it, made once. */
type Made = { text: string; marker: Buffer; query: Buffer; unnamedParse: Buffer; namedParse: Buffer };

/**
 * The nonce is drawn when the session first needs a stand-in, not when it opens: most sessions
 * never refuse anything, and every connect paid for the random bytes and three encoded messages.
 * Until then no stand-in went upstream, so no error can be the answer to one.
 */
export function createRefusalStandIn(): RefusalStandIn {
  let made: Made | null = null;
  const standIn = (): Made => {
    if (made) return made;
    // A bare identifier is never a statement: the raw parser fails on it, in any transaction state.
    const text = `sluice_refused_${pooledRandomBytes(12).toString("hex")}`;
    made = {
      text,
      marker: Buffer.from(text),
      query: encodeQuery(text),
      unnamedParse: encodeParse("", text),
      namedParse: encodeParse(text, text),
    };
    return made;
  };
  return {
    query: () => standIn().query,
    queryAfter: (statementsBefore) => {
      const failing = Buffer.from(`SELECT ${standIn().text}`);
      const length = 4 + statementsBefore.length + failing.length + 1;
      const message = Buffer.alloc(1 + length);
      message[0] = QUERY_TAG;
      message.writeInt32BE(length, 1);
      statementsBefore.copy(message, 5);
      failing.copy(message, 5 + statementsBefore.length);
      return message;
    },
    parse: (statement) => (statement === "" ? standIn().unnamedParse : standIn().namedParse),
    syntaxProbe: (sql, statement) => {
      const { text } = standIn();
      const probe = createSyntaxErrorProbe(sql, text);
      const message =
        statement === undefined
          ? encodeQuery(probe.text)
          : encodeParse(statement === "" ? "" : text, probe.text);
      return { message, probe };
    },
    isStandInError: (body) =>
      made !== null &&
      (body.includes(SYNTAX_ERROR_FIELD) || body.includes(UNDEFINED_COLUMN_FIELD)) &&
      body.includes(made.marker),
  };
}
