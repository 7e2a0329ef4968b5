"use client";

import type { RecordingEvent } from "@sluice/recording/events";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { api } from "@/client/api";
import { Badge, Card, ErrorBanner, PageHeader } from "@/client/ui";
import { Player } from "./player";

type Recording = {
  session: {
    id: string;
    agentName: string;
    connectionName: string;
    clientAddress: string;
    isTls: boolean;
    startedAt: string;
    endedAt: string | null;
    endReason: string | null;
  };
  verification:
    | { isVerified: true; chunks: number }
    | { isVerified: false; chunks: number; brokenAt: number; reason: string };
  lastSeq: number;
  events: RecordingEvent[];
};

/** Follow-up polls of a live session fetch only chunks newer than the last one seen. */
const LIVE_POLL_MS = 1000;

export function SessionReplay({ id }: { id: string }) {
  const first = useQuery({
    queryKey: ["recording", id],
    queryFn: () => api<Recording>(`/sessions/${id}/recording`),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [events, setEvents] = useState<RecordingEvent[]>([]);
  /** The newest poll's view: a live session's header turns into an ended one when the poll says so. */
  const [live, setLive] = useState<{
    lastSeq: number;
    isLive: boolean;
    verification: Recording["verification"];
    session: Recording["session"];
  } | null>(null);

  useEffect(() => {
    if (!first.data) return;
    setEvents(first.data.events);
    setLive({
      lastSeq: first.data.lastSeq,
      isLive: first.data.session.endedAt === null,
      verification: first.data.verification,
      session: first.data.session,
    });
  }, [first.data]);

  useEffect(() => {
    if (!live?.isLive) return;
    const timer = setTimeout(async () => {
      try {
        const next = await api<Recording>(`/sessions/${id}/recording?after=${live.lastSeq}`);
        if (next.events.length > 0) setEvents((current) => [...current, ...next.events]);
        setLive({
          lastSeq: next.lastSeq,
          isLive: next.session.endedAt === null,
          verification: next.verification,
          session: next.session,
        });
      } catch {
        setLive({ ...live });
      }
    }, LIVE_POLL_MS);
    return () => clearTimeout(timer);
  }, [id, live]);

  const data = first.data;
  if (!data) return <ErrorBanner error={first.error} />;
  const verification = live?.verification ?? data.verification;
  const session = live?.session ?? data.session;
  return (
    <>
      <PageHeader
        title={`${session.agentName} on ${session.connectionName}`}
        description={`From ${session.clientAddress}${session.isTls ? " over TLS" : ""} · started ${new Date(session.startedAt).toLocaleString()}${session.endedAt ? ` · ended ${new Date(session.endedAt).toLocaleString()}: ${session.endReason ?? "closed"}` : " · still open"}`}
        action={
          <Link href="/sessions" className="text-sm text-sky-700 underline">
            All sessions
          </Link>
        }
      />
      <div className="mb-4 flex flex-wrap items-center gap-3 text-sm">
        <span data-testid="chain-status">
          {verification.isVerified ? (
            <Badge tone="green">verified</Badge>
          ) : (
            <Badge tone="red">
              chain broken at chunk {verification.brokenAt}: {verification.reason}
            </Badge>
          )}
        </span>
        <span className="text-slate-500">{verification.chunks} chunks, SHA-256 chained</span>
        <span data-testid="session-state">
          {live?.isLive ? <Badge tone="sky">live</Badge> : <Badge>ended</Badge>}
        </span>
        <a
          className="text-sky-700 underline"
          href={`/api/v1/sessions/${id}/export?format=asciicast`}
          download
        >
          Export asciicast
        </a>
        <a className="text-sky-700 underline" href={`/api/v1/sessions/${id}/export?format=json`} download>
          Export JSON
        </a>
      </div>
      <Card>
        <Player events={events} isLive={live?.isLive ?? false} startedAt={session.startedAt} />
      </Card>
    </>
  );
}
