"use client";

import { useIsFetching } from "@tanstack/react-query";

/**
 * A thin bar while a page waits for data it has never had. Background refreshes (the inbox badge,
 * a live session's poll) already show data, so they do not count: the bar would flicker for nothing.
 */
export function LoadingBar() {
  const loading = useIsFetching({ predicate: (query) => query.state.data === undefined });
  return (
    <div className="h-1 w-full" aria-live="polite">
      {loading > 0 ? (
        <div role="status" className="h-1 w-full animate-pulse bg-sky-500">
          <span className="sr-only">Loading</span>
        </div>
      ) : null}
    </div>
  );
}
