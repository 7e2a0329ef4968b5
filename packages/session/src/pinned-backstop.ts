import { isPinnedSetting, keepsPinnedValue, PINNED_SETTINGS } from "@sluice/policy/pinned-settings";
import { ClientError } from "./client-error";

/**
 * The backstop behind policy's pinned settings: the server reports client_encoding and
 * standard_conforming_strings (ParameterStatus) whenever they change, however they changed (a
 * function body, a path no rule foresaw). A value other than the pinned one means the gateway no
 * longer reads statements as the server does, so the session ends with a FATAL before anything
 * more is relayed. It comes at the end of the statement that changed it, which is why policy
 * refuses such statements first.
 */
export function assertPinnedReport(name: string, value: string): void {
  if (!isPinnedSetting(name) || keepsPinnedValue(name, value)) return;
  throw ClientError.fatal(
    "08P01",
    `the upstream reports ${name} = ${value}: Sluice pins it to ${PINNED_SETTINGS[name]} so it reads statements exactly as the server does, and ends the session`,
  );
}
