"use client";

import { useState } from "react";
import { secondaryButtonClass } from "@/client/ui";
import type { ConnectInstructions } from "./connect-snippets";

/**
 * A connection's address on one line and its client snippets, each with a copy button named for
 * what it copies. Snippets wrap instead of scrolling sideways: a token cut off at the card's edge
 * gets copied by hand, wrongly.
 */
export function ConnectInstructionsView({ instructions }: { instructions: ConnectInstructions }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async (label: string, text: string) => {
    await navigator.clipboard.writeText(text);
    setCopied(label);
  };
  const { address, snippets } = instructions;
  return (
    <div>
      <p className="mb-1 text-xs font-medium text-slate-600">{address.label}</p>
      <div className="mb-3 flex items-center gap-2">
        <code
          data-testid="connection-string"
          className="block flex-1 rounded bg-slate-900 px-3 py-2 text-xs break-all text-slate-50"
        >
          {address.code}
        </code>
        <button
          type="button"
          aria-label={`${copied === "address" ? "Copied" : "Copy"} connection string`}
          className={secondaryButtonClass}
          onClick={() => void copy("address", address.code)}
        >
          {copied === "address" ? "Copied" : "Copy"}
        </button>
      </div>
      <div className="grid gap-3 md:grid-cols-2">
        {snippets.map((snippet) => (
          <div key={snippet.label} data-testid="connect-snippet">
            <div className="mb-1 flex items-center justify-between text-xs font-medium text-slate-600">
              {snippet.label}
              <button
                type="button"
                aria-label={`${copied === snippet.label ? "Copied" : "Copy"} the ${snippet.label} snippet`}
                className="text-sky-700 underline"
                onClick={() => void copy(snippet.label, snippet.code)}
              >
                {copied === snippet.label ? "Copied" : "Copy"}
              </button>
            </div>
            <pre className="rounded bg-slate-100 p-2 text-xs break-all whitespace-pre-wrap">
              {snippet.code}
            </pre>
          </div>
        ))}
      </div>
    </div>
  );
}
