import { can } from "@sluice/admin/permissions";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { GatewayAddressProvider } from "@/client/gateway-address";
import { LoadingBar } from "@/client/loading-bar";
import { currentActor } from "@/server/actor";
import { env } from "@/server/env";
import { NAV_ITEMS } from "./nav-items";
import { NavLinks } from "./nav-links";
import { SignOutButton } from "./sign-out-button";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await currentActor();
  if (!actor) redirect("/sign-in");
  const config = env();
  const gateway = {
    host: config.SLUICE_GATEWAY_HOST,
    postgresPort: config.SLUICE_GATEWAY_PORT,
    mysqlPort: config.SLUICE_GATEWAY_MYSQL_PORT,
    httpPort: config.SLUICE_GATEWAY_HTTP_PORT,
    caFile: config.SLUICE_GATEWAY_CA_FILE ?? null,
  };
  return (
    <div className="flex min-h-screen">
      <nav aria-label="Console" className="flex w-56 shrink-0 flex-col border-r border-slate-200 bg-white">
        <div className="px-4 py-4 text-lg font-semibold tracking-tight">Sluice</div>
        <NavLinks
          items={NAV_ITEMS.filter((item) => can(actor, item.permission)).map(({ href, label }) => ({
            href,
            label,
          }))}
          showsPendingReviews={can(actor, "reviews:decide")}
        />
        <div className="border-t border-slate-200 px-4 py-3 text-xs text-slate-600">
          <p className="truncate font-medium text-slate-800" data-testid="viewer-email">
            {actor.name}
          </p>
          <p className="mb-2" data-testid="viewer-roles">
            {actor.roles.map((role) => role.toLowerCase()).join(", ")}
          </p>
          <SignOutButton />
        </div>
      </nav>
      <div className="min-w-0 flex-1">
        <LoadingBar />
        <main className="px-8 py-5">
          <GatewayAddressProvider value={gateway}>{children}</GatewayAddressProvider>
        </main>
      </div>
    </div>
  );
}
