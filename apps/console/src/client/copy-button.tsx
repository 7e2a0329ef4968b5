"use client";

import { useState } from "react";
import { secondaryButtonClass } from "./ui";

/** Copies a value to the clipboard and says so; the label names what is copied. */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const [isCopied, setIsCopied] = useState(false);
  return (
    <button
      type="button"
      className={secondaryButtonClass}
      aria-label={`${isCopied ? "Copied" : "Copy"} ${what}`}
      onClick={() => {
        void navigator.clipboard.writeText(value).then(() => setIsCopied(true));
      }}
    >
      {isCopied ? "Copied" : "Copy"}
    </button>
  );
}
