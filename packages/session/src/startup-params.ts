import { ClientError } from "./client-error";

/**
 * Startup parameters an agent may pass through to the upstream. Anything else is refused: a
 * startup parameter can set any GUC (`role`, `session_authorization`, `default_transaction_read_only`,
 * ...), and `options`/`replication` change what the server lets the session do.
 */
const PASS_THROUGH = new Set([
  "application_name",
  "client_encoding",
  "DateStyle",
  "datestyle",
  "TimeZone",
  "timezone",
  "extra_float_digits",
  "IntervalStyle",
  "intervalstyle",
  "search_path",
  "statement_timeout",
  "lock_timeout",
  "idle_in_transaction_session_timeout",
  "bytea_output",
  "geqo",
]);

/** Parameters that say who the client is and where it goes; consumed by the gateway itself. */
const GATEWAY_OWNED = new Set(["user", "database"]);

export type StartupRequest = {
  agentName: string;
  connectionName: string;
  /** Validated parameters to forward upstream. */
  passThrough: Record<string, string>;
  /** `_pq_.*` protocol options the client asked for; the gateway supports none and says so. */
  protocolOptions: string[];
};

export function validateStartupParams(params: Record<string, string>): StartupRequest {
  const agentName = params["user"] ?? "";
  if (agentName === "") {
    throw ClientError.fatal(
      "28000",
      "no agent name given: put the agent's name as the user of the connection string",
    );
  }
  const connectionName = params["database"] ?? "";
  if (connectionName === "") {
    throw ClientError.fatal(
      "3D000",
      "no connection name given: put the Sluice connection's name as the database of the connection string",
    );
  }
  const passThrough: Record<string, string> = {};
  const protocolOptions: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (GATEWAY_OWNED.has(name)) continue;
    if (name.startsWith("_pq_.")) {
      protocolOptions.push(name);
      continue;
    }
    if (name === "options" || name === "replication" || !PASS_THROUGH.has(name)) {
      throw ClientError.fatal(
        "42501",
        `startup parameter "${name}" is not allowed through Sluice`,
        name === "options" || name === "replication"
          ? "it changes server behaviour or privileges; remove it from the connection string (PGOPTIONS, options=, replication=)"
          : `allowed parameters: ${[...PASS_THROUGH].join(", ")}`,
      );
    }
    passThrough[name] = value;
  }
  return { agentName, connectionName, passThrough, protocolOptions };
}
