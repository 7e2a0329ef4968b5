import type { Actor } from "@sluice/admin/actor";
import { can } from "@sluice/admin/permissions";
import { dehydrate, HydrationBoundary, type QueryKey } from "@tanstack/react-query";
import { type ReactNode, Suspense } from "react";
import { createQueryClient } from "@/client/query-client";
import { matchPath } from "./api/route-table";
import { API_ROUTES } from "./api/routes";
import { db } from "./db";
import { env } from "./env";

/** One query a page's client component makes, answered on the server: its key and GET path (and query). */
export type Prefetch = { key: QueryKey; path: string };

/**
 * The data part of a page: streamed behind `fallback` while the server runs the same `/api/v1`
 * operations the page's queries would call, then handed to those queries already filled.
 *
 * The page checks its permission before rendering this, outside any Suspense boundary: a boundary
 * lets Next.js send the shell first, after which `forbidden()` can no longer set the 403 status.
 */
export function PrefetchedData({
  actor,
  queries,
  fallback,
  children,
}: {
  actor: Actor;
  queries: Prefetch[];
  fallback: ReactNode;
  children: ReactNode;
}) {
  return (
    <Suspense fallback={fallback}>
      <Hydrated actor={actor} queries={queries}>
        {children}
      </Hydrated>
    </Suspense>
  );
}

async function Hydrated({
  actor,
  queries,
  children,
}: {
  actor: Actor;
  queries: Prefetch[];
  children: ReactNode;
}) {
  const client = createQueryClient();
  await Promise.all(
    queries.map(async ({ key, path }) => {
      const data = await readApi(actor, path);
      if (data !== undefined) client.setQueryData(key, data);
    }),
  );
  return <HydrationBoundary state={dehydrate(client)}>{children}</HydrationBoundary>;
}

/**
 * A GET of `/api/v1` run in-process for the page's viewer, with the route's own permission (and
 * the operation's own check), shaped as the browser would receive it (dates as strings). A failure
 * leaves the query empty: the page's query then asks the API and shows its error as usual.
 */
async function readApi(actor: Actor, pathAndQuery: string): Promise<unknown> {
  const url = new URL(pathAndQuery, "http://console.invalid");
  const path = url.pathname;
  const route = API_ROUTES.find((candidate) => candidate.method === "GET" && matchPath(candidate.path, path));
  if (!route || !can(actor, route.permission)) return undefined;
  try {
    const result = await route.run(
      { db: db(), actor, secretKey: env().secretKey },
      {
        params: matchPath(route.path, path) ?? {},
        body: undefined,
        query: Object.fromEntries(url.searchParams),
      },
    );
    if (result instanceof Response) return undefined;
    return JSON.parse(
      JSON.stringify(result ?? null, (_key, value: unknown) =>
        typeof value === "bigint" ? value.toString() : value,
      ),
    );
  } catch (error) {
    console.error(`prefetch ${pathAndQuery} failed:`, error instanceof Error ? error.stack : error);
    return undefined;
  }
}
