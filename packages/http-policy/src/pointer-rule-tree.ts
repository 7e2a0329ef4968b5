import type { MaskRule } from "@sluice/masking/strategies";
import type { KnownName } from "./member-name-verdicts";
import { pointerRuleAt, type ResponseMasking } from "./value-masking";

/**
 * A location's pointer rule, remembered: one node per distinct path of member names from the root,
 * all items of an array sharing one. A document of a million alike records costs one map lookup
 * per value rather than matching every pointer against its location.
 */
export type RuleNode = { rule: MaskRule | null; members: Map<string, RuleNode>; items: RuleNode | null };

/**
 * A frame of the masker's nesting stack; `node` is the container's rule node, `member` its current
 * member's, `name` its current member's name when it was found among the remembered ones.
 */
export type Frame = {
  isObject: boolean;
  key: string;
  index: number;
  node: RuleNode | null;
  member: RuleNode | null;
  name: KnownName | null;
};

/** Distinct locations whose pointer rule is remembered; past it, rules are matched for each value. */
const RULE_NODES = 4096;

/** The pointer rules of one response by location, remembered per distinct location (see RuleNode). */
export class PointerRuleTree {
  /** Rule nodes exist only when no pointer names an index: then every item of an array has one rule. */
  private readonly isCached: boolean;
  private root: RuleNode | null = null;
  private nodes = 0;

  constructor(private readonly masking: ResponseMasking) {
    this.isCached =
      masking.pointers.length > 0 &&
      !masking.pointers.some((pointer) =>
        pointer.tokens.some((token) => typeof token === "string" && /^(0|[1-9][0-9]*)$/.test(token)),
      );
  }

  /** The pointer rule for the value about to be read (or being read) under this stack. */
  ruleAt(stack: readonly Frame[]): MaskRule | null {
    if (this.masking.pointers.length === 0) return null;
    const node = this.nodeAt(stack);
    return node ? node.rule : pointerRuleAt(this.masking, location(stack));
  }

  /** The rule node of the value about to be read; null when not cached (see RULE_NODES). */
  nodeAt(stack: readonly Frame[]): RuleNode | null {
    if (!this.isCached) return null;
    const frame = stack[stack.length - 1];
    if (!frame) {
      this.root ??= this.newNode(stack);
      return this.root;
    }
    if (!frame.node) return null;
    if (!frame.isObject) {
      frame.node.items ??= this.newNode(stack);
      return frame.node.items;
    }
    if (frame.member) return frame.member;
    let member = frame.node.members.get(frame.key) ?? null;
    if (!member) {
      member = this.newNode(stack);
      if (member) frame.node.members.set(frame.key, member);
    }
    frame.member = member;
    // The name remembers its node under this parent: the next record's same member needs no lookup.
    if (frame.name !== null && frame.name.bytes !== null) {
      frame.name.memberOf = frame.node;
      frame.name.member = member;
    }
    return member;
  }

  private newNode(stack: readonly Frame[]): RuleNode | null {
    if (this.nodes >= RULE_NODES) return null;
    this.nodes += 1;
    return { rule: pointerRuleAt(this.masking, location(stack)), members: new Map(), items: null };
  }
}

/** Member names and indices from the root to the value about to be read. */
function location(stack: readonly Frame[]): (string | number)[] {
  return stack.map((frame) => (frame.isObject ? frame.key : frame.index));
}
