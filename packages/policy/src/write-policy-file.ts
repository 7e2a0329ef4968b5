import { stringify } from "yaml";
import type { PolicyFile } from "./policy-file";

/** The YAML text of a policy, stable for the same content (so export → apply → export is byte-equal). */
export function writePolicyFile(policy: PolicyFile): string {
  return stringify(policy, { lineWidth: 0 });
}
