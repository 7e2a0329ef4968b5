"use client";

import { useState } from "react";
import { fieldErrors } from "./api";

/**
 * A failed save's messages per field, minus the fields edited since: a message that stays red after
 * its field was fixed reads as if the fix did not take. A new failure shows every message again.
 */
export function useFieldErrors(error: unknown): {
  errors: Record<string, string>;
  edited: (field: string) => void;
} {
  const [edits, setEdits] = useState<{ after: unknown; fields: ReadonlySet<string> }>({
    after: null,
    fields: new Set(),
  });
  const fields = edits.after === error ? edits.fields : new Set<string>();
  const errors = Object.fromEntries(
    Object.entries(fieldErrors(error)).filter(([field]) => !fields.has(field)),
  );
  const edited = (field: string) => {
    if (!fieldErrors(error)[field] || fields.has(field)) return;
    setEdits({ after: error, fields: new Set([...fields, field]) });
  };
  return { errors, edited };
}
