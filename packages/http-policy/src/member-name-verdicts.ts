import { maskDetected } from "@sluice/masking/content-masker";
import type { ResponseMasking } from "./value-masking";

/**
 * Member names remembered, and the longest one remembered: a body of alike records repeats a few
 * names, which need not be scanned again; a long or one-off name is scanned each time.
 */
const REMEMBERED_NAMES = 4096;
const REMEMBERED_NAME_MAX_CHARS = 64;

/** The content detectors' verdict on member names, per response (the rules do not change within one). */
export class MemberNameVerdicts {
  private readonly verdicts = new Map<string, string | null>();

  constructor(private readonly masking: ResponseMasking) {}

  /** The name's replacement as JSON text, or null when it goes as it came. */
  of(name: string): string | null {
    const known = this.verdicts.get(name);
    if (known !== undefined) return known;
    const masked = maskDetected(name, this.masking.detectors, this.masking.hashKey);
    const verdict = masked === null ? null : JSON.stringify(masked);
    if (name.length <= REMEMBERED_NAME_MAX_CHARS && this.verdicts.size < REMEMBERED_NAMES)
      this.verdicts.set(name, verdict);
    return verdict;
  }
}
