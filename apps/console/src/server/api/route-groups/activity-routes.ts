import {
  dashboardStats,
  listAuditEvents,
  listSessions,
  ZAuditQuery,
  ZSessionQuery,
} from "@sluice/admin/activity";
import { agentActivity } from "@sluice/admin/agent-activity";
import { dashboardOverview } from "@sluice/admin/dashboard-overview";
import {
  deleteRecording,
  exportRecording,
  getRecording,
  ZExportQuery,
  ZRecordingQuery,
} from "@sluice/admin/recordings";
import type { ApiRoute } from "../route-table";

/** What happened: dashboard counts, the audit log, sessions and their recordings. */
export const ACTIVITY_ROUTES: ApiRoute[] = [
  {
    method: "GET",
    path: "/dashboard",
    summary: "Daily session, statement, denied, held and masked counts",
    tag: "activity",
    permission: "dashboard:read",
    run: (context) => dashboardStats(context),
  },
  {
    method: "GET",
    path: "/dashboard/overview",
    summary:
      "The dashboard: daily counts, top agents/tables/rules, pending reviews, latest denials, gateway health (each part for the roles that may see it)",
    tag: "activity",
    permission: "dashboard:read",
    run: (context) => dashboardOverview(context),
  },
  {
    method: "GET",
    path: "/agents/{id}/activity",
    summary: "One agent's latest sessions, 30-day totals, latest denials and when it was last seen",
    tag: "activity",
    permission: "sessions:read",
    run: (context, input) => agentActivity(context, { agentId: input.params.id ?? "" }),
  },
  {
    method: "GET",
    path: "/audit-events",
    summary: "Audit events, newest first (keyset paging with `before`)",
    tag: "activity",
    permission: "audit:read",
    query: ZAuditQuery,
    run: (context, input) => listAuditEvents(context, { query: input.query }),
  },
  {
    method: "GET",
    path: "/sessions/{id}/recording",
    summary:
      "A session's recording events and hash-chain verification (`after`: only newer chunks, for the live view)",
    tag: "activity",
    permission: "sessions:read",
    query: ZRecordingQuery,
    run: (context, input) => getRecording(context, { sessionId: input.params.id ?? "", query: input.query }),
  },
  {
    method: "GET",
    path: "/sessions/{id}/export",
    summary: "Download a recording as asciicast v2 (`format=asciicast`) or JSON",
    tag: "activity",
    permission: "sessions:read",
    query: ZExportQuery,
    run: async (context, input) => {
      const file = await exportRecording(context, { sessionId: input.params.id ?? "", query: input.query });
      return new Response(file.body, {
        headers: {
          "content-type": `${file.contentType}; charset=utf-8`,
          "content-disposition": `attachment; filename="${file.filename}"`,
          "cache-control": "no-store",
        },
      });
    },
  },
  {
    method: "DELETE",
    path: "/sessions/{id}/recording",
    summary: "Delete a session's recording (audited)",
    tag: "activity",
    permission: "recordings:delete",
    status: 204,
    run: (context, input) => deleteRecording(context, { sessionId: input.params.id ?? "" }),
  },
  {
    method: "GET",
    path: "/sessions",
    summary: "Gateway sessions, newest first",
    tag: "activity",
    permission: "sessions:read",
    query: ZSessionQuery,
    run: (context, input) => listSessions(context, { query: input.query }),
  },
];
