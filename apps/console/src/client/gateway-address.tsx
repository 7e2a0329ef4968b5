"use client";

import { createContext, type ReactNode, useContext } from "react";

/** Where agents reach the gateway, one listener per protocol: what the snippets put in front of a token. */
export type GatewayAddresses = {
  host: string;
  postgresPort: number;
  mysqlPort: number;
  httpPort: number;
  /** The gateway's CA certificate file, for clients that verify it (they all should). */
  caFile: string | null;
};

const GatewayAddressContext = createContext<GatewayAddresses | null>(null);

/** Hands the server's view of the gateway's listeners to client components (they cannot read env). */
export function GatewayAddressProvider({
  value,
  children,
}: {
  value: GatewayAddresses;
  children: ReactNode;
}) {
  return <GatewayAddressContext.Provider value={value}>{children}</GatewayAddressContext.Provider>;
}

export function useGatewayAddresses(): GatewayAddresses {
  const value = useContext(GatewayAddressContext);
  // Only the console layout provides it; a component outside it has no address to show.
  if (!value) throw new Error("useGatewayAddresses needs the console layout's GatewayAddressProvider");
  return value;
}
