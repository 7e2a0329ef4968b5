import { ACTIVITY_ROUTES } from "./route-groups/activity-routes";
import { CONNECTION_ROUTES } from "./route-groups/connection-routes";
import { PEOPLE_ROUTES } from "./route-groups/people-routes";
import { REVIEW_ROUTES } from "./route-groups/review-routes";
import { RULE_ROUTES } from "./route-groups/rule-routes";
import type { ApiRoute } from "./route-table";

/**
 * Every `/api/v1` operation. The console's pages call these too: one implementation, one set of
 * checks. Within a group the order matters where two patterns match one path (the first wins:
 * `/reviews/pending-count` before `/reviews/{id}`).
 */
export const API_ROUTES: ApiRoute[] = [
  ...PEOPLE_ROUTES,
  ...ACTIVITY_ROUTES,
  ...CONNECTION_ROUTES,
  ...RULE_ROUTES,
  ...REVIEW_ROUTES,
];
