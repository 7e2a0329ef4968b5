import { ClientError } from "@sluice/session/client-error";
import { ER_CON_COUNT, MySqlClientError } from "./mysql-client-error";

/** MySQL's own "unknown error", for a session the gateway could not start for a reason of its own. */
const ER_UNKNOWN_ERROR = 1105;

/**
 * The ERR a MySQL login gets when its session could not be started (its row and recording). The
 * session hooks are the SQL paths' shared ones, so they refuse in the Postgres path's terms: a
 * store that cannot take the session now (57P03, e.g. at the kept-chunk bound) is MySQL's
 * retry-later answer, ER_CON_COUNT with its SQLSTATE and the hooks' own words; anything else stays
 * an unknown error whose reason is only logged, never echoed.
 */
export function sessionStartRefusal(error: unknown): MySqlClientError {
  if (error instanceof ClientError && error.code === "57P03")
    return MySqlClientError.fatal(ER_CON_COUNT, "08004", error.message);
  return MySqlClientError.fatal(ER_UNKNOWN_ERROR, "HY000", "Sluice could not record the session");
}
