import { CommandCode } from "./command-codes";
import { MySqlWireError } from "./mysql-wire-error";
import { PayloadReader } from "./payload-reader";

/** A client command after authentication, decoded as far as the gateway judges it. */
export type ClientCommand =
  | { type: "query"; sql: string }
  | { type: "init-db"; schema: string }
  | { type: "stmt-prepare"; sql: string }
  /** `flags`: the cursor type the client asks for (0: none; CURSOR_TYPE_READ_ONLY is 1). */
  | { type: "stmt-execute"; statementId: number; flags: number }
  /** A piece of one parameter's value, appended to what earlier pieces sent; it has no answer. */
  | { type: "stmt-send-long-data"; statementId: number; paramId: number; data: Buffer }
  | { type: "stmt-close"; statementId: number }
  | { type: "stmt-reset"; statementId: number }
  | { type: "stmt-fetch"; statementId: number }
  /** COM_FIELD_LIST (deprecated; the mariadb CLI's table-name completion still sends it). */
  | { type: "field-list"; table: string; wildcard: string }
  | { type: "ping" }
  | { type: "quit" }
  | { type: "reset-connection" }
  | { type: "unsupported"; code: number };

/**
 * One command packet's payload → its meaning. Statement text is decoded as UTF-8 (the client
 * character set is pinned to utf8mb4) and must be valid: a byte sequence the gateway would read
 * differently from the server is refused.
 * @see https://mariadb.com/kb/en/com_query/
 */
export function parseCommand(payload: Buffer): ClientCommand {
  if (payload.length === 0) throw new MySqlWireError("empty command packet");
  const reader = new PayloadReader(payload);
  const code = reader.int1();
  switch (code) {
    case CommandCode.Query:
      return parseQuery(reader);
    case CommandCode.InitDb:
      return { type: "init-db", schema: strictUtf8(reader.rest()) };
    case CommandCode.StmtPrepare:
      return { type: "stmt-prepare", sql: strictUtf8(reader.rest()) };
    case CommandCode.StmtExecute:
      return { type: "stmt-execute", statementId: reader.int4(), flags: reader.int1() };
    case CommandCode.StmtSendLongData:
      return {
        type: "stmt-send-long-data",
        statementId: reader.int4(),
        paramId: reader.int2(),
        data: reader.rest(),
      };
    case CommandCode.StmtClose:
      return { type: "stmt-close", statementId: reader.int4() };
    case CommandCode.StmtReset:
      return { type: "stmt-reset", statementId: reader.int4() };
    case CommandCode.StmtFetch:
      return { type: "stmt-fetch", statementId: reader.int4() };
    case CommandCode.FieldList: {
      const table = reader.rest();
      const end = table.indexOf(0);
      if (end < 0) throw new MySqlWireError("COM_FIELD_LIST without the end of its table name");
      return {
        type: "field-list",
        table: strictUtf8(table.subarray(0, end)),
        wildcard: strictUtf8(table.subarray(end + 1)),
      };
    }
    case CommandCode.Ping:
      return { type: "ping" };
    case CommandCode.Quit:
      return { type: "quit" };
    case CommandCode.ResetConnection:
      return { type: "reset-connection" };
    default:
      return { type: "unsupported", code };
  }
}

/**
 * COM_QUERY: the rest is the statement. (With CLIENT_QUERY_ATTRIBUTES, a MySQL 8 capability the
 * gateway never offers, parameters would come first.)
 */
function parseQuery(reader: PayloadReader): ClientCommand {
  return { type: "query", sql: strictUtf8(reader.rest()) };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function strictUtf8(bytes: Buffer): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MySqlWireError("statement text is not valid UTF-8 (the connection's character set is utf8mb4)");
  }
}
