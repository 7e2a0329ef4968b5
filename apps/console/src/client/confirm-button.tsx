"use client";

import { type ReactNode, useId, useRef } from "react";
import { dangerButtonClass, secondaryButtonClass } from "./ui";

/**
 * A destructive action behind a confirmation that names what will happen. The native `<dialog>`
 * opened with `showModal()` traps focus, closes on Escape and returns focus to the trigger, so the
 * dialog is keyboard-reachable without a focus-trap library.
 */
export function ConfirmButton({
  label,
  accessibleName,
  title,
  impact,
  confirmLabel,
  onConfirm,
  isPending = false,
  tone = "danger",
}: {
  /** The button's visible text, e.g. "Delete". */
  label: string;
  /** What a screen reader hears, naming the object: "Delete guardrail no-drop". */
  accessibleName: string;
  title: string;
  /** What confirming does, in the reader's terms (what stops working, whether it can be undone). */
  impact: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  isPending?: boolean;
  tone?: "danger" | "neutral";
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const buttonClass = tone === "danger" ? dangerButtonClass : secondaryButtonClass;
  return (
    <>
      <button
        type="button"
        className={buttonClass}
        aria-label={accessibleName}
        disabled={isPending}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="m-auto max-w-md rounded-lg border border-slate-200 p-5 text-left shadow-xl backdrop:bg-slate-900/40"
      >
        <h2 id={titleId} className="text-base font-semibold">
          {title}
        </h2>
        <div className="mt-2 text-sm whitespace-normal text-slate-700">{impact}</div>
        <form method="dialog" className="mt-4 flex justify-end gap-2">
          <button type="submit" className={secondaryButtonClass}>
            Cancel
          </button>
          <button
            type="button"
            className={buttonClass}
            onClick={() => {
              dialog.current?.close();
              onConfirm();
            }}
          >
            {confirmLabel}
          </button>
        </form>
      </dialog>
    </>
  );
}
