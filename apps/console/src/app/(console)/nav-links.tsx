"use client";

import { useQuery } from "@tanstack/react-query";
import Link, { useLinkStatus } from "next/link";
import { usePathname } from "next/navigation";
import { api } from "@/client/api";

/** How often the inbox badge asks again: a held agent waits, so a reviewer should see it soon. */
const PENDING_REFRESH_MS = 10_000;

type NavLink = { href: string; label: string };

/**
 * The console's navigation: the current page is marked (`aria-current="page"`, and visibly), and
 * for those who decide on reviews the inbox shows how many held statements wait.
 */
export function NavLinks({ items, showsPendingReviews }: { items: NavLink[]; showsPendingReviews: boolean }) {
  const pathname = usePathname();
  const pending = useQuery({
    queryKey: ["reviews", "pending-count"],
    queryFn: () => api<{ pending: number }>("/reviews/pending-count"),
    enabled: showsPendingReviews,
    refetchInterval: PENDING_REFRESH_MS,
  });
  const pendingCount = pending.data?.pending ?? 0;
  return (
    <ul className="flex-1 space-y-0.5 px-2">
      {items.map((item) => {
        const isCurrent = pathname === item.href || pathname.startsWith(`${item.href}/`);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={isCurrent ? "page" : undefined}
              className="flex items-center justify-between rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-sky-500 aria-[current=page]:bg-slate-900 aria-[current=page]:font-medium aria-[current=page]:text-white"
            >
              {item.label}
              <PendingNavigation />
              {item.href === "/reviews" && showsPendingReviews && pendingCount > 0 ? (
                <span
                  data-testid="pending-reviews"
                  className="rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-slate-900"
                >
                  {pendingCount}
                  <span className="sr-only"> pending</span>
                </span>
              ) : null}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/** A spinner beside the link whose page is loading, so a slow navigation is visibly under way. */
function PendingNavigation() {
  const { pending } = useLinkStatus();
  if (!pending) return null;
  return (
    <span
      role="progressbar"
      aria-label="Loading page"
      data-testid="nav-pending"
      className="ml-auto h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-slate-700"
    />
  );
}
