import pg from "pg";
import type { Clock } from "./clock";
import { repeatWithoutOverlap } from "./repeat-without-overlap";

export type ListenWithPollFallbackOptions = {
  databaseUrl: string;
  /** The NOTIFY channel; a fixed identifier of ours, never user input. */
  channel: string;
  /** What is listened for, in log lines: "policy changes", "review decisions". */
  what: string;
  /** Names the listener in log lines: "policy", "review". */
  name: string;
  pollMs: number;
  onNotification: (payload: string | undefined) => void;
  /** Catches what a missed notification would have said; never overlapped by the next poll. */
  poll: () => Promise<void>;
  log: (line: string) => void;
  clock?: Clock;
};

export type Listening = {
  /** The LISTEN connection while it is up: it carries nothing else, so a query there never queues. */
  connection: () => pg.Client | null;
  stop: () => Promise<void>;
};

/**
 * NOTIFY is the fast path; the poll catches a notification that never arrived (a dropped listener,
 * a failover, a store that refused LISTEN). Losing the listener is logged and polling carries on.
 */
export async function listenWithPollFallback(options: ListenWithPollFallbackOptions): Promise<Listening> {
  const polling = repeatWithoutOverlap(options.pollMs, options.poll, {
    onError: (error) => options.log(`${options.name} poll failed: ${String(error)}`),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  let listener: pg.Client | null = null;
  try {
    const client = new pg.Client({ connectionString: options.databaseUrl });
    listener = client;
    client.on("notification", (message) => options.onNotification(message.payload));
    client.on("error", (error) => {
      options.log(`${options.name} listener lost (${error.message}); polling continues`);
      if (listener === client) listener = null;
    });
    await client.connect();
    await client.query(`LISTEN ${options.channel}`);
  } catch (error) {
    options.log(
      `could not LISTEN for ${options.what} (${String(error)}); polling every ${options.pollMs} ms`,
    );
    await listener?.end().catch(() => {});
    listener = null;
  }
  return {
    connection: () => listener,
    stop: async () => {
      polling.stop();
      await listener?.end().catch(() => {});
      listener = null;
    },
  };
}
