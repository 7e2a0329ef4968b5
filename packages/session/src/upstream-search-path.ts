import { encodeQuery } from "@sluice/wire/client-encoders";
import { ServerCode, TransactionStatus } from "@sluice/wire/server-codes";
import { parameterStatus } from "./parameter-status";
import { readTextRow } from "./upstream-reset";

/**
 * PostgreSQL 18 reports search_path in ParameterStatus; older servers never do, so a role's or
 * database's default path (`ALTER ROLE|DATABASE … SET search_path`) is invisible to the gateway
 * unless it asks. Asked right after login (and after each pool reset, see upstream-reset), before
 * the agent's first statement is judged.
 */
export const SEARCH_PATH_SQL = "SELECT pg_catalog.current_setting('search_path')";

/** Whether the login's ParameterStatus frames (raw, tagged) already report search_path. */
export function reportsSearchPath(frames: readonly Buffer[]): boolean {
  return frames.some((frame) => parameterStatus(frame.subarray(5))?.name === "search_path");
}

/** The path could not be read: the session does not start (its names could not be judged). */
export class SearchPathUnread extends Error {
  constructor(why: string) {
    super(`the upstream's search_path could not be read: ${why}`);
    this.name = "SearchPathUnread";
  }
}

/**
 * The read as steps: `request()` is the query's bytes, `handle` takes each upstream message and
 * returns the path's value at ReadyForQuery. Anything else (an error, no row, a transaction left
 * open) throws SearchPathUnread.
 */
export function createSearchPathRead() {
  let value: string | null = null;
  return {
    request(): Buffer {
      return encodeQuery(SEARCH_PATH_SQL);
    },

    handle(type: number, body: Buffer): string | null {
      switch (type) {
        case ServerCode.RowDescription:
        case ServerCode.CommandComplete:
        case ServerCode.NoticeResponse:
        case ServerCode.ParameterStatus:
          return null;
        case ServerCode.DataRow: {
          const [cell, ...rest] = readTextRow(body);
          if (value !== null || rest.length > 0 || cell === null || cell === undefined)
            throw new SearchPathUnread("not one row");
          value = cell;
          return null;
        }
        case ServerCode.ErrorResponse:
          throw new SearchPathUnread("the server answered with an error");
        case ServerCode.ReadyForQuery:
          if (body[0] !== TransactionStatus.Idle) throw new SearchPathUnread("a transaction is open");
          if (value === null) throw new SearchPathUnread("no row");
          return value;
        default:
          throw new SearchPathUnread(`unexpected message type ${type}`);
      }
    },
  };
}
