"use client";

import { inputClass } from "@/client/ui";

/** The choices a rotation offers: at once for a leaked token, or a window for a planned switch-over. */
const GRACE_CHOICES = [
  { minutes: 0, label: "at once (the token may have leaked)" },
  { minutes: 15, label: "in 15 minutes" },
  { minutes: 60, label: "in 1 hour" },
  { minutes: 24 * 60, label: "in 1 day" },
] as const;

/** The body of the rotate confirmation: what happens, and when the old tokens stop. */
export function RotationGrace({
  agentName,
  minutes,
  onChange,
}: {
  agentName: string;
  minutes: number;
  onChange: (minutes: number) => void;
}) {
  return (
    <div className="space-y-2">
      <p>
        A new token is issued for {agentName} and shown once. Its current tokens stop working, and the
        sessions that use them end, at the time you choose.
      </p>
      <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
        Old tokens stop
        <select
          className={inputClass}
          value={minutes}
          onChange={(event) => onChange(Number(event.target.value))}
        >
          {GRACE_CHOICES.map((choice) => (
            <option key={choice.minutes} value={choice.minutes}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
