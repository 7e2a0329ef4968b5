export type Day = {
  day: string;
  sessions: number;
  statements: number;
  denied: number;
  held: number;
  masked: number;
};

export type Overview = {
  days: Day[];
  topAgents: { name: string; sessions: number; statements: number; denied: number }[] | null;
  topTables: { name: string; count: number }[] | null;
  topRules: { name: string; count: number }[] | null;
  recentDenials:
    | {
        id: string;
        at: string;
        agentName: string;
        rule: string | null;
        statement: string;
        sessionId: string | null;
      }[]
    | null;
  pendingReviews: {
    count: number;
    oldest: { id: string; number: number; agentName: string; connectionName: string; expiresAt: string }[];
  } | null;
  health: {
    checkedAt: string;
    gateways: { id: string; seenAt: string; isAlive: boolean; openSessions: number }[];
  };
};

/** The sessions list filtered to one UTC day (and a verdict), as the datetime-local inputs read it. */
export function sessionsOfDay(day: string, verdict: string | null): string {
  const from = new Date(`${day}T00:00:00Z`);
  const to = new Date(from.getTime() + 86_400_000);
  const query = new URLSearchParams({ from: localInputValue(from), to: localInputValue(to) });
  if (verdict) query.set("verdict", verdict);
  return `/sessions?${query}`;
}

/** `YYYY-MM-DDTHH:MM` in the browser's zone: what an `<input type="datetime-local">` holds. */
function localInputValue(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
