import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { PrismaClient } from "@sluice/db/prisma";
import { storeStatementsOf } from "@sluice/db/store-statements";
import type { SessionHooks } from "@sluice/transport/client-connection";
import { insertSessionRow } from "./session-row-insert";

/**
 * Identifies this gateway process in sessions and reviews (a restart abandons what it held):
 * `host:pid:nonce`. The nonce tells a restarted process from its predecessor when both get the same
 * pid, as a container restarted in place does (pid 1).
 */
export const GATEWAY_ID = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

/** What the end of a session writes to its row. */
export type SessionEnd = {
  endedAt: Date;
  endReason: string;
  statementCount: number;
  deniedCount: number;
  maskedCount: number;
  heldCount: number;
  tablesTouched: string[];
};

/**
 * How the end of a session reaches the store: once by default; the gateway passes its recording
 * writer's `writeSessionRow`, so an end is batched with others and, written while the store is
 * away, stored when it is back.
 */
export type EndWriter = (what: string, sessionId: string, end: SessionEnd) => Promise<void>;

/**
 * Records each session in the store before its first statement can run (audit first), and its end.
 * Statement-level recording belongs to the recording layer.
 */
export function createSessionAudit(
  prisma: PrismaClient,
  log: (line: string) => void,
  gatewayId: string = GATEWAY_ID,
  writeEnd: EndWriter = (what, sessionId, end) =>
    prisma.gatewaySession.update({ where: { id: sessionId }, data: end, select: { id: true } }).then(
      () => {},
      (error: unknown) => log(`could not record ${what}: ${String(error)}`),
    ),
): SessionHooks {
  const counters = new Map<
    string,
    {
      statements: number;
      denied: number;
      masked: number;
      held: number;
      agentName: string;
      tables: Set<string>;
      /**
       * The relation list last added to `tables`: a repeated read's verdict is one object, list and
       * all (never changed once made), so adding it again would add nothing.
       */
      lastRelations: readonly (readonly string[])[] | undefined;
    }
  >();
  const statements = storeStatementsOf(prisma);
  return {
    async onSessionStart(info) {
      const sessionId = await insertSessionRow(statements, {
        agentId: info.agent.agentId,
        connectionId: info.connection.connectionId,
        gatewayId,
        clientAddress: info.clientAddress,
        isTls: info.isTls,
        agentGroups: info.agent.groups,
      });
      counters.set(sessionId, {
        statements: 0,
        denied: 0,
        masked: 0,
        held: 0,
        agentName: info.agent.agentName,
        tables: new Set(),
        lastRelations: undefined,
      });
      return sessionId;
    },
    onVerdict(sessionId, sql, verdict) {
      const counter = counters.get(sessionId);
      if (!counter) return;
      // A held statement is counted once held and once more when its outcome is known.
      if (verdict.kind === "hold") {
        counter.held += 1;
        return;
      }
      counter.statements += 1;
      if (verdict.kind === "allow" && (verdict.maskedTables?.length ?? 0) > 0) counter.masked += 1;
      if (verdict.kind === "allow" && verdict.relations !== counter.lastRelations) {
        for (const candidates of verdict.relations ?? []) addTouched(counter.tables, candidates);
        counter.lastRelations = verdict.relations;
      }
      if (verdict.kind !== "deny") return;
      counter.denied += 1;
      // Denials are rare and never reach the upstream, so each becomes an audit event of its own.
      prisma.auditEvent
        .create({
          data: {
            actorType: "AGENT",
            actorName: counter.agentName,
            action: "statement.denied",
            sessionId,
            metadata: { rule: verdict.rule, message: verdict.message, statement: sql.slice(0, 2000) },
          },
        })
        .catch((error: unknown) => log(`could not audit a denial in session ${sessionId}: ${String(error)}`));
    },
    onSessionEnd(sessionId, reason) {
      const counter = counters.get(sessionId);
      counters.delete(sessionId);
      // Read now, so a retried write still says when the session ended.
      const end: SessionEnd = {
        endedAt: new Date(),
        endReason: reason.slice(0, 500),
        statementCount: counter?.statements ?? 0,
        deniedCount: counter?.denied ?? 0,
        maskedCount: counter?.masked ?? 0,
        heldCount: counter?.held ?? 0,
        tablesTouched: [...(counter?.tables ?? [])].slice(0, 200),
      };
      void writeEnd(`the end of session ${sessionId}`, sessionId, end);
    },
  };
}

/**
 * For the sessions filter: a schema-qualified relation as written; an unqualified one by its bare
 * name and, when `public` is on the path, as `public.<name>` (where it almost always lives).
 */
function addTouched(tables: Set<string>, candidates: readonly string[]): void {
  const [first] = candidates;
  if (!first) return;
  if (candidates.length === 1) {
    tables.add(first);
    return;
  }
  tables.add(first.slice(first.lastIndexOf(".") + 1));
  const inPublic = candidates.find((name) => name.startsWith("public."));
  if (inPublic) tables.add(inPublic);
}
