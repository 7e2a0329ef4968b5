"use client";

import { buttonClass, FormError, secondaryButtonClass } from "./ui";

/** What every rule page hands its form (from `useRuleEditor`): the same for every rule kind. */
export type RuleFormProps<Form> = {
  form: Form;
  onChange: (form: Form, field: string) => void;
  onSubmit: () => void;
  onCancel: (() => void) | null;
  editingName: string | null;
  errors: Record<string, string>;
  error: unknown;
  isSaving: boolean;
};

/** Tailwind sees only literal class names, so the spans a form's grid can have are spelled out. */
const SPAN_CLASS = { 2: "md:col-span-2", 3: "md:col-span-3" } as const;

/** Save (or Add) and Cancel editing, then the save's error, across the form's whole grid row. */
export function RuleFormActions({
  noun,
  columns,
  editingName,
  isSaving,
  onCancel,
  error,
}: {
  /** "masking rule", "guardrail", …: the buttons say "Save masking rule" / "Add masking rule". */
  noun: string;
  columns: keyof typeof SPAN_CLASS;
} & Pick<RuleFormProps<unknown>, "editingName" | "isSaving" | "onCancel" | "error">) {
  const span = SPAN_CLASS[columns];
  return (
    <>
      <div className={`flex gap-2 ${span}`}>
        <button type="submit" className={buttonClass} disabled={isSaving}>
          {editingName ? `Save ${noun}` : `Add ${noun}`}
        </button>
        {onCancel ? (
          <button type="button" className={secondaryButtonClass} onClick={onCancel}>
            Cancel editing
          </button>
        ) : null}
      </div>
      <div className={span}>
        <FormError error={error} />
      </div>
    </>
  );
}
