/**
 * What the cluster's primary and its gateway workers say to each other over IPC. Secrets (the
 * store URL, the secret key) travel only here, never through the environment or argv.
 */
export type WorkerConfig = {
  databaseUrl: string;
  /** Base64 of the 32-byte secret key. */
  secretKey: string;
  port: number;
  /** The HTTP gateway's port (every worker shares it, like the Postgres one); null or absent: off. */
  httpPort?: number | null;
  /** The MySQL listener's port, shared by every worker the same way; null or absent: off. */
  mysqlPort?: number | null;
  /**
   * The MCP endpoint's port. Only one worker serves it (the primary gives it to the first worker and
   * its replacements): a held MCP call's outcome lives in the process that made the call, so every
   * `review_status` must reach that process.
   */
  mcpPort?: number | null;
  /**
   * This worker's slot in MySQL connection ids (`mysql-session-ids.ts`): unique among live workers,
   * so a KILL can be routed to the worker that handed its id out.
   */
  workerSlot?: number;
  home: string;
  isTlsEnabled: boolean;
  hosts?: string[];
  reviewWebhook: { url: string; secret: string } | null;
  consoleUrl: string | null;
  maxStatementBytes?: number;
  /** False keeps the keyed hash in JavaScript (SLUICE_NATIVE_HASH=off). */
  isNativeKeyedHashAllowed?: boolean;
};

export type PrimaryMessage =
  | { type: "config"; config: WorkerConfig }
  /** A CancelRequest another worker received for a key it does not hold. */
  | { type: "cancel"; processId: number; secretKey: string }
  /** Another worker's KILL of a MySQL connection id in this worker's slot. */
  | MySqlKillLookup
  /** The answer to this worker's MySqlKillLookup. */
  | { type: "mysql-kill-target"; requestId: number; upstreamThreadId: number | null }
  | { type: "shutdown" };

/**
 * `KILL [QUERY] id` for a MySQL connection id another worker handed out: which upstream thread is
 * behind it, asked only for this agent on this connection (null otherwise).
 */
export type MySqlKillLookup = {
  type: "mysql-kill-lookup";
  requestId: number;
  askerSlot: number;
  gatewayConnectionId: number;
  agentId: string;
  connectionId: string;
};

export type WorkerMessage =
  /** Loaded and listening for messages: a message sent before this would be lost. */
  | { type: "ready" }
  | {
      type: "listening";
      port: number;
      caFile: string | null;
      mcpPort?: number | null;
      mysqlPort?: number | null;
    }
  | { type: "cancel"; processId: number; secretKey: string }
  | MySqlKillLookup
  /** The owner's answer to a lookup, for the primary to hand to the asking worker's slot. */
  | { type: "mysql-kill-target"; requestId: number; askerSlot: number; upstreamThreadId: number | null }
  | { type: "failed"; message: string }
  /** The worker's log lines go through the primary's log, like a single process's. */
  | { type: "log"; line: string };
