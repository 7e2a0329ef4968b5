import { ByteGates } from "@sluice/masking/byte-gates";
import { MaskedScalarBytes } from "./masked-scalar-bytes";
import { MemberNameVerdicts } from "./member-name-verdicts";
import { PointerRuleTree } from "./pointer-rule-tree";
import type { ResponseMasking } from "./value-masking";

/** What a masker looks up by member name and location: a pure function of its masking, and bounded. */
export type MaskingLookups = {
  memberNames: MemberNameVerdicts;
  rules: PointerRuleTree;
  byteGates: ByteGates;
  /** Where replacements are made; see MaskedScalarBytes for why one can serve every masker. */
  maskedBytes: MaskedScalarBytes;
};

const lookupsByMasking = new WeakMap<ResponseMasking, MaskingLookups>();

/**
 * One set of lookups per compiled masking (one per policy version and agent groups), shared by every
 * response masked under it. Built per response, each small call decoded, scanned and matched its
 * member names and locations again: most of a small JSON answer's masking time. What they remember
 * depends on the rules and the names alone, never on whose response taught it, and each is capped
 * (REMEMBERED_NAMES, RULE_NODES), so sharing them leaks nothing and grows nothing.
 */
export function lookupsFor(masking: ResponseMasking): MaskingLookups {
  let lookups = lookupsByMasking.get(masking);
  if (!lookups) {
    lookups = {
      memberNames: new MemberNameVerdicts(masking),
      rules: new PointerRuleTree(masking),
      byteGates: new ByteGates(masking.detectors.map((rule) => rule.detector)),
      maskedBytes: new MaskedScalarBytes(masking),
    };
    lookupsByMasking.set(masking, lookups);
  }
  return lookups;
}
