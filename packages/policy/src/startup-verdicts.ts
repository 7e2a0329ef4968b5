import type { ConnectionPolicy } from "./rules";
import type { StartupJudgement, Verdict } from "./verdict";

/**
 * Distinct startup requests (login and settings) remembered per policy: a few drivers' defaults in
 * practice. The settings are the client's, so the count is bounded; past it, requests are judged
 * each time as before.
 */
export const MAX_KEPT_STARTUP_VERDICTS = 64;

/**
 * Every connect of a driver that sends settings (pgbench, psql: client_encoding, DateStyle, …)
 * judged the same SETs again: parsed, then through the engine, about 25 µs of the gateway's CPU per
 * connect in a profile (bench/gateway-cpu.ts). The verdict rests on nothing but the policy, the
 * login and the settings in their order (the engine is pure; no catalog, clock or identity), so it
 * is kept per policy object and version, as `repeat-verdicts.ts` keeps a read's: a reloaded policy
 * is a new object, and a version that moved judges everything again.
 */
export function createStartupVerdicts(maxKept = MAX_KEPT_STARTUP_VERDICTS) {
  const kept = new WeakMap<ConnectionPolicy, { version: number; verdicts: Map<string, Verdict> }>();
  return (
    policy: ConnectionPolicy,
    version: number,
    request: Pick<StartupJudgement, "login" | "settings">,
    judge: () => Verdict,
  ): Verdict => {
    let entry = kept.get(policy);
    if (entry?.version !== version) {
      entry = { version, verdicts: new Map() };
      kept.set(policy, entry);
    }
    const key = JSON.stringify([request.login, request.settings.map(({ name, value }) => [name, value])]);
    const known = entry.verdicts.get(key);
    if (known) return known;
    const verdict = judge();
    if (entry.verdicts.size < maxKept) entry.verdicts.set(key, verdict);
    return verdict;
  };
}
