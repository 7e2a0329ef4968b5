"use client";

import { useEffect, useState } from "react";

/** "in 4 min 05 s", ticking each second; "expired" once the time has passed. */
export function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.round((new Date(until).getTime() - now) / 1_000);
  if (left <= 0) return <span className="text-red-700">expired</span>;
  const minutes = Math.floor(left / 60);
  const seconds = left % 60;
  const text =
    minutes >= 60
      ? `in ${Math.floor(minutes / 60)} h ${minutes % 60} min`
      : `in ${minutes} min ${String(seconds).padStart(2, "0")} s`;
  return (
    <time
      dateTime={until}
      title={new Date(until).toLocaleString()}
      className={left < 60 ? "text-red-700" : ""}
    >
      {text}
    </time>
  );
}
