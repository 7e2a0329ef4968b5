import { BUILT_IN_CONNECT_SETTINGS, NEVER_AT_CONNECT } from "@sluice/policy/connect-settings";
import {
  cleanEncodingName,
  isPinnedSetting,
  keepsPinnedValue,
  PINNED_SETTINGS,
} from "@sluice/policy/pinned-settings";
import { ClientError } from "./client-error";
import { formatStartupOptions, parseStartupOptions, type StartupOption } from "./startup-options";

/** Parameters that say who the client is and where it goes; consumed by the gateway itself. */
const GATEWAY_OWNED = new Set(["user", "database"]);

/**
 * client_encoding values a client may announce. SQL_ASCII is what libpq's `client_encoding=auto`
 * sends under LANG=C (psql on a terminal does): it asks for no conversion, and the gateway reads
 * the bytes as UTF-8 anyway, so the session runs in UTF8 and the client is told so.
 */
const ACCEPTED_CLIENT_ENCODINGS = new Set(["utf8", "unicode", "sqlascii"]);

export type StartupRequest = {
  agentName: string;
  connectionName: string;
  /** Validated parameters to forward upstream (`options` rewritten to the settings judged). */
  passThrough: Record<string, string>;
  /**
   * Every setting the session starts with, in the order the server applies them. Settings beyond
   * the built-in ones are forwarded too: the connection's ALLOW SETTING rules judge them once the
   * agent is known, before the upstream login (policy/startup-verdict.ts).
   */
  settings: StartupOption[];
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
  // The server applies `options` first and the other parameters after it.
  const fromOptions: StartupOption[] = [];
  const fromParams: StartupOption[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (GATEWAY_OWNED.has(name)) continue;
    if (name.startsWith("_pq_.")) {
      protocolOptions.push(name);
      continue;
    }
    if (name === "replication") {
      throw refused(
        `startup parameter "${name}"`,
        "it opens a replication session, which bypasses statement policy",
        "remove replication= from the connection string",
      );
    }
    if (name === "options") {
      const forwarded = judgeOptions(value, fromOptions);
      if (forwarded !== "") passThrough["options"] = forwarded;
      continue;
    }
    const setting = judgeSetting(name, value, `startup parameter "${name}"`);
    fromParams.push({ name: name.toLowerCase(), value: setting.value });
    if (setting.isForwarded) passThrough[name] = setting.value;
  }
  return {
    agentName,
    connectionName,
    passThrough,
    settings: [...fromOptions, ...fromParams],
    protocolOptions,
  };
}

/** Judges each `-c` of `options`; returns the options to forward, rebuilt from what was judged. */
function judgeOptions(options: string, into: StartupOption[]): string {
  const parsed = parseStartupOptions(options);
  if (!parsed.ok) {
    throw ClientError.fatal(
      "42501",
      `startup parameter "options" is not allowed through Sluice: "${parsed.argument}" is not a "-c name=value" setting`,
      "only settings are allowed in options (-c name=value or --name=value)",
    );
  }
  const forwarded: StartupOption[] = [];
  for (const { name, value } of parsed.settings) {
    const setting = judgeSetting(name, value, `setting "${name}" in startup parameter "options"`);
    into.push({ name: name.toLowerCase(), value: setting.value });
    if (setting.isForwarded) forwarded.push({ name, value: setting.value });
  }
  return formatStartupOptions(forwarded);
}

/**
 * A pinned setting is accepted only at its pinned value and not forwarded (the upstream login
 * sends that value itself); one that can never be set at connect is refused here, before
 * authentication, as it is on every connection; any other is forwarded, to be judged later.
 */
function judgeSetting(name: string, value: string, what: string): { value: string; isForwarded: boolean } {
  const lower = name.toLowerCase();
  if (lower === "client_encoding") {
    if (!ACCEPTED_CLIENT_ENCODINGS.has(cleanEncodingName(value))) {
      throw ClientError.fatal(
        "22023",
        `${what}: client_encoding "${value}" is not supported by Sluice`,
        "Sluice reads every statement as UTF-8, exactly as the server will; connect with client_encoding=UTF8 (PGCLIENTENCODING=UTF8)",
      );
    }
    return { value: PINNED_SETTINGS.client_encoding, isForwarded: false };
  }
  if (isPinnedSetting(lower)) {
    if (!keepsPinnedValue(lower, value)) {
      throw ClientError.fatal(
        "22023",
        `${what}: ${lower} must be ${PINNED_SETTINGS[lower]} through Sluice`,
        "Sluice pins it so that it reads every statement exactly as the server will",
      );
    }
    return { value: PINNED_SETTINGS[lower], isForwarded: false };
  }
  const never = NEVER_AT_CONNECT.get(lower);
  if (never) throw refused(what, `${lower} can never be set at connect: ${never}`);
  return { value, isForwarded: true };
}

function refused(what: string, why: string, hint = SETTINGS_HINT): ClientError {
  return ClientError.fatal("42501", `${what} is not allowed through Sluice: ${why}`, hint);
}

const SETTINGS_HINT = `settings every connection accepts at connect: ${[...BUILT_IN_CONNECT_SETTINGS].join(", ")}; others need an ALLOW SETTING rule on the connection`;
