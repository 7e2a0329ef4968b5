import { judgeStartupNames } from "@sluice/policy/startup-verdict";
import type { DecisionPoint } from "@sluice/policy/verdict";
import { ClientError } from "./client-error";
import type { AuthenticatedClient } from "./connection-phases";

/**
 * The settings the client gave at connect, judged before any upstream login: a backend is never
 * logged in with a setting the connection does not allow. A refusal is the connection's FATAL,
 * naming the setting. A decision point without a judge lets only the built-in settings through.
 */
export async function judgeConnectSettings(
  client: AuthenticatedClient,
  decisions: DecisionPoint,
): Promise<void> {
  const settings = client.startupSettings;
  if (settings.length === 0) return;
  const request = { connectionId: client.connection.connectionId, login: client.connection.user, settings };
  const verdict = decisions.judgeStartup
    ? await decisions.judgeStartup(request)
    : judgeStartupNames(null, settings);
  if (verdict.kind === "allow") return;
  const hint = verdict.kind === "deny" ? verdict.hint : undefined;
  throw ClientError.fatal("42501", verdict.message, hint);
}
