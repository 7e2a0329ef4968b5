import type { Actor } from "@sluice/admin/actor";
import { can } from "@sluice/admin/permissions";

/**
 * Where a person lands after sign-in: reviewers on their inbox (held statements wait on them,
 * usually with an agent blocked), everyone else on the dashboard.
 */
export function landingPath(actor: Pick<Actor, "roles">): "/reviews" | "/dashboard" {
  return can(actor, "reviews:decide") ? "/reviews" : "/dashboard";
}
