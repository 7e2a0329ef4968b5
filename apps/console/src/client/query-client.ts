import { QueryClient } from "@tanstack/react-query";

/** Console data changes by people's actions; a short stale time keeps lists fresh without refetch storms. */
const STALE_TIME_MS = 5_000;

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { staleTime: STALE_TIME_MS, retry: false, refetchOnWindowFocus: true } },
  });
}

let browserClient: QueryClient | undefined;

/** One client per browser tab; a fresh one per server render so requests never share a cache. */
export function getQueryClient(): QueryClient {
  if (typeof window === "undefined") return createQueryClient();
  browserClient ??= createQueryClient();
  return browserClient;
}
