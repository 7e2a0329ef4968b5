import type { DetectorRule } from "@sluice/masking/content-masker";
import { DETECTOR_NAMES, type DetectorName } from "@sluice/masking/detectors";
import type { MaskingRuleDef } from "./rules";

/**
 * The content-detector rules among `rules` (already filtered for the agent's exemptions), as the
 * row maskers of every data path take them. A rule naming a detector Sluice does not have is
 * reported and skipped: it can mask nothing, and the column rules still apply.
 */
export function contentRules(rules: readonly MaskingRuleDef[], log: (line: string) => void): DetectorRule[] {
  const out: DetectorRule[] = [];
  for (const rule of rules) {
    if (rule.detector === null) continue;
    if (!(DETECTOR_NAMES as readonly string[]).includes(rule.detector)) {
      log(`masking rule "${rule.name}" names an unknown detector "${rule.detector}"; it masks nothing`);
      continue;
    }
    out.push({
      name: rule.name,
      detector: rule.detector as DetectorName,
      strategy: rule.strategy,
      ...(rule.keepLast ? { keepLast: rule.keepLast } : {}),
    });
  }
  return out;
}
