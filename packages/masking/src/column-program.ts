import type { MaskPlan } from "./row-masker";
import {
  columnForm,
  MASKED_HASH,
  MASKED_NULL,
  MASKED_PARTIAL_ASCII,
  MASKED_REDACT,
  MAX_KEEP_LAST,
} from "./strategies";

/**
 * What the native row masker (native/mask_rows.c, the same numbers) does with one column's values.
 * JS: the column needs the JavaScript (a content-detector scan, or a rule the native code does not
 * implement exactly); a row with a value there is masked by maskDataRowInto instead.
 */
export const COLUMN_OP = { KEEP: 0, NULL: 1, REDACT: 2, HASH: 3, PARTIAL: 4, JS: 5 } as const;
export type ColumnOp = (typeof COLUMN_OP)[keyof typeof COLUMN_OP];

/** A DataRow's column count is an Int16: a plan wider than this is not compiled. */
const MAX_PROGRAM_COLUMNS = 0xffff;

/**
 * A plan's columns as the native row masker reads them: Int32 [columns, then (op, argument) per
 * column]; PARTIAL's argument is how many trailing characters it may keep at most (the rule's
 * keepLast capped as partialText caps it). The same decisions as maskDataRowInto's column forms
 * (columnForm), so that both write the same bytes; a column past the plan is masked to NULL by
 * both. Null when the plan cannot be compiled at all.
 */
export function compileColumnProgram(plan: MaskPlan | null): Int32Array | null {
  const rules = plan?.rules ?? [];
  if (rules.length > MAX_PROGRAM_COLUMNS) return null;
  const program = new Int32Array(1 + 2 * rules.length);
  program[0] = rules.length;
  rules.forEach((rule, i) => {
    let op: ColumnOp = COLUMN_OP.KEEP;
    let argument = 0;
    if (!rule) {
      if (plan?.scan[i]) op = COLUMN_OP.JS;
    } else {
      switch (columnForm(rule, plan?.fields[i]?.typeOid ?? 0)) {
        case MASKED_NULL:
          op = COLUMN_OP.NULL;
          break;
        case MASKED_REDACT:
          op = COLUMN_OP.REDACT;
          break;
        case MASKED_HASH:
          op = COLUMN_OP.HASH;
          break;
        case MASKED_PARTIAL_ASCII: {
          const keepLast = rule.keepLast ?? 4;
          // A fraction or a negative count has no character-exact meaning in C: the JavaScript's.
          const isExact = Number.isInteger(keepLast) && keepLast >= 0;
          op = isExact ? COLUMN_OP.PARTIAL : COLUMN_OP.JS;
          argument = isExact ? Math.min(keepLast, MAX_KEEP_LAST) : 0;
          break;
        }
        default:
          op = COLUMN_OP.JS;
      }
    }
    program[1 + 2 * i] = op;
    program[2 + 2 * i] = argument;
  });
  return program;
}

/** Whether any column needs the JavaScript: then the native code could mask no row with a value there. */
export function needsJavaScript(program: Int32Array): boolean {
  for (let i = 1; i < program.length; i += 2) if (program[i] === COLUMN_OP.JS) return true;
  return false;
}
