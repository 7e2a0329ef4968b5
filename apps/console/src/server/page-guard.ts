import type { Actor } from "@sluice/admin/actor";
import { can, type Permission } from "@sluice/admin/permissions";
import { forbidden, redirect } from "next/navigation";
import { currentActor } from "./actor";

/** For pages: no session → sign-in; a session without the permission → 403 page. */
export async function requirePage(permission: Permission): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect("/sign-in");
  if (!can(actor, permission)) forbidden();
  return actor;
}
