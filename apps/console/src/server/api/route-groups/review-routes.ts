import { countPendingReviews } from "@sluice/admin/activity";
import { decideReview, ZReviewDecision } from "@sluice/admin/decide-review";
import { getReview } from "@sluice/admin/get-review";
import { listReviews, ZReviewListQuery } from "@sluice/admin/review-list";
import {
  deleteReviewerGroup,
  deleteReviewRule,
  listReviewerGroups,
  listReviewRules,
  saveReviewerGroup,
  saveReviewRule,
  setReviewRuleEnabled,
  ZReviewerGroupInput,
  ZReviewRuleInput,
} from "@sluice/admin/review-rules";
import { type ApiRoute, id } from "../route-table";
import { ruleResourceRoutes } from "../rule-resource-routes";

/** Who reviews what (reviewer groups, review rules) and the reviews themselves. */
export const REVIEW_ROUTES: ApiRoute[] = [
  {
    method: "GET",
    path: "/reviewer-groups",
    summary: "List reviewer groups",
    tag: "reviews",
    permission: "policy:read",
    run: (context) => listReviewerGroups(context),
  },
  {
    method: "POST",
    path: "/reviewer-groups",
    summary: "Create a reviewer group",
    tag: "reviews",
    permission: "policy:write",
    body: ZReviewerGroupInput,
    status: 201,
    run: (context, input) => saveReviewerGroup(context, { input: input.body }),
  },
  {
    method: "PATCH",
    path: "/reviewer-groups/{id}",
    summary: "Update a reviewer group",
    tag: "reviews",
    permission: "policy:write",
    body: ZReviewerGroupInput,
    run: (context, input) => saveReviewerGroup(context, { ...id(input), input: input.body }),
  },
  {
    method: "DELETE",
    path: "/reviewer-groups/{id}",
    summary: "Delete a reviewer group",
    tag: "reviews",
    permission: "policy:write",
    status: 204,
    run: (context, input) => deleteReviewerGroup(context, id(input)),
  },
  ...ruleResourceRoutes("review-rules", {
    list: listReviewRules,
    save: saveReviewRule,
    setEnabled: setReviewRuleEnabled,
    remove: deleteReviewRule,
    body: ZReviewRuleInput,
  }),
  {
    method: "GET",
    path: "/reviews",
    summary: "Reviews: pending first, then recent decisions",
    tag: "reviews",
    permission: "reviews:read",
    query: ZReviewListQuery,
    run: (context, input) => listReviews(context, { query: input.query }),
  },
  {
    method: "GET",
    path: "/reviews/pending-count",
    summary: "How many held statements wait on a decision (the inbox badge)",
    tag: "reviews",
    permission: "reviews:read",
    run: (context) => countPendingReviews(context),
  },
  {
    method: "GET",
    path: "/reviews/{id}",
    summary: "A review: statement, what it touches, masking, decisions",
    tag: "reviews",
    permission: "reviews:read",
    run: (context, input) => getReview(context, id(input)),
  },
  {
    method: "POST",
    path: "/reviews/{id}/decision",
    summary: "Approve (once or for a window) or deny with a reason",
    tag: "reviews",
    permission: "reviews:decide",
    body: ZReviewDecision,
    run: (context, input) => decideReview(context, { reviewId: input.params.id ?? "", input: input.body }),
  },
];
