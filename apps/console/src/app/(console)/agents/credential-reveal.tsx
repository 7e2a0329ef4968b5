"use client";

import { useState } from "react";
import { Card, secondaryButtonClass } from "@/client/ui";
import { connectionString, type GatewayAddress, snippets } from "./connection-snippets";

export type IssuedCredential = {
  agentName: string;
  token: string;
  credential: { id: string; fingerprint: string };
  connections: string[];
};

/** Shows a new token's connection strings exactly once: nothing here can be fetched again. */
export function CredentialReveal({
  issued,
  gateway,
  onClose,
}: {
  issued: IssuedCredential;
  gateway: GatewayAddress;
  onClose: () => void;
}) {
  const [connection, setConnection] = useState(issued.connections[0] ?? "");
  const [copied, setCopied] = useState<string | null>(null);
  const uri = connectionString(gateway, issued.agentName, issued.token, connection || "<connection>");
  const copy = async (label: string, text: string) => {
    await navigator.clipboard.writeText(text);
    setCopied(label);
  };
  return (
    <Card title={`New token for ${issued.agentName}`}>
      <p className="mb-3 text-sm text-amber-800" role="status">
        Copy it now: Sluice keeps only a verifier (fingerprint {issued.credential.fingerprint}) and cannot
        show this token again.
      </p>
      {issued.connections.length === 0 ? (
        <p className="mb-3 text-sm text-slate-600">
          This agent is in no group that a connection allows yet; add one of its groups to a connection first.
        </p>
      ) : (
        <label className="mb-3 flex items-center gap-2 text-sm">
          Connection
          <select
            className="rounded-md border border-slate-300 px-2 py-1"
            value={connection}
            onChange={(event) => setConnection(event.target.value)}
          >
            {issued.connections.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
      )}
      <div className="mb-3 flex items-center gap-2">
        <code
          data-testid="connection-string"
          className="block flex-1 whitespace-pre-wrap break-all rounded bg-slate-900 px-3 py-2 text-xs text-slate-50"
        >
          {uri}
        </code>
        <button
          type="button"
          aria-label="Copy connection string"
          className={secondaryButtonClass}
          onClick={() => void copy("uri", uri)}
        >
          {copied === "uri" ? "Copied" : "Copy"}
        </button>
      </div>
      <div className="grid gap-3 md:grid-cols-2">
        {snippets(gateway, uri).map((snippet) => (
          <div key={snippet.label}>
            <div className="mb-1 flex items-center justify-between text-xs font-medium text-slate-600">
              {snippet.label}
              <button
                type="button"
                aria-label={`Copy the ${snippet.label} snippet`}
                className="text-sky-700 underline"
                onClick={() => void copy(snippet.label, snippet.code)}
              >
                {copied === snippet.label ? "Copied" : "Copy"}
              </button>
            </div>
            <pre className="whitespace-pre-wrap break-all rounded bg-slate-100 p-2 text-xs">
              {snippet.code}
            </pre>
          </div>
        ))}
      </div>
      <button type="button" className={`${secondaryButtonClass} mt-4`} onClick={onClose}>
        I have copied it
      </button>
    </Card>
  );
}
