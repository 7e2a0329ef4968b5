"use client";

import type { ConnectionView } from "@sluice/admin/connection-view";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { useGatewayAddresses } from "@/client/gateway-address";
import { queryKeys } from "@/client/query-keys";
import { Card, secondaryButtonClass } from "@/client/ui";
import { ConnectInstructionsView } from "../connections/connect-instructions";
import { connectInstructions } from "../connections/connect-snippets";
import type { GatewayAddress } from "./connection-snippets";

export type IssuedCredential = {
  agentName: string;
  token: string;
  credential: { id: string; fingerprint: string };
  connections: string[];
};

/** Shows a new token's connection strings exactly once: nothing here can be fetched again. */
export function CredentialReveal({
  issued,
  onClose,
}: {
  issued: IssuedCredential;
  /** Kept for the agents page; the layout's addresses include the MySQL and HTTP listeners too. */
  gateway: GatewayAddress;
  onClose: () => void;
}) {
  const [connection, setConnection] = useState(issued.connections[0] ?? "");
  const connections = useQuery({
    queryKey: queryKeys.connections.list(),
    queryFn: () => api<ConnectionView[]>("/connections"),
  });
  const addresses = useGatewayAddresses();
  // Each kind has its own listener and client; the list says which kind the picked connection is.
  // Until it is known, no snippet: one for the wrong protocol would be copied and then refused.
  const type = connections.data?.find((candidate) => candidate.name === connection)?.type;
  const instructions = type
    ? connectInstructions(addresses, { type, agent: issued.agentName, token: issued.token, connection })
    : null;
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
      {instructions ? <ConnectInstructionsView instructions={instructions} /> : null}
      <button type="button" className={`${secondaryButtonClass} mt-4`} onClick={onClose}>
        I have copied it
      </button>
    </Card>
  );
}
