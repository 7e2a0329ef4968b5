import type { ParsedStatements } from "@sluice/sql/facts";
import type { ColumnCatalogAccess } from "./column-catalog";
import type { FollowedColumns } from "./followed-columns";
import type { RelationLookup } from "./search-path";
import type { SqlNameEffects } from "./sql-name-effects";

/**
 * What the policy decides about one statement. Protocol-agnostic: the Postgres gateway, and later
 * MySQL, HTTP and MCP front ends, all act on the same three outcomes.
 */
export type Verdict =
  | ({
      kind: "allow";
      /** Tables with masking rules the statement reads: its computed columns are masked too. */
      maskedTables?: readonly string[];
      /** For every relation the statement touches, the names the server could resolve it to. */
      relations?: readonly (readonly string[])[];
      /** Per output column: provably computed from no masked column (lineage), so left in clear. */
      cleanOutputs?: readonly boolean[];
      /**
       * Every statement only defines, renames or drops objects (CREATE TABLE, DROP, COMMENT …): the
       * server reads no row to run it, so its errors cannot quote a value, masked or not.
       */
      readsNoRows?: boolean;
      /** Why a held statement now runs (who approved), for the session's recording. */
      note?: string;
      /**
       * Values bound to the statement's parameters, checked before each execution (they are not in
       * its text). A front end passes them as text; a denial refuses that execution only.
       */
      checkParams?: (values: readonly (string | null)[]) => Extract<Verdict, { kind: "deny" }> | null;
      /**
       * Allowed only for where its names resolve now: a prepared statement is judged again before
       * each later run (the server looks its names up again when the catalog changes).
       */
      isJudgedPerRun?: boolean;
      /**
       * It may run code the gateway did not judge (a function allowed by name, a trigger): what the
       * client pipelined behind it must wait until the server has answered it (see unjudged-code.ts).
       */
      mayRunUnjudgedCode?: boolean;
      /**
       * The catalog snapshot's version (`SessionDecisions.catalogVersion`) it was judged under,
       * taken when it was judged: a snapshot read in between does not pass for the one it was
       * judged by. Set on a prepared statement's allows and on every approval.
       */
      catalogVersion?: number;
      /**
       * What a reviewer approved (approval-basis.ts): judged again under a newer catalog, the
       * statement runs on that approval only while this stays the same.
       */
      approvedAs?: string;
    } & SqlNameEffects)
  | {
      kind: "deny";
      rule: string;
      message: string;
      hint?: string;
      /** SQLSTATE when not Sluice's own refusal code (42501): 42601 for what does not parse. */
      code?: string;
      /** Where in the statement text the error is, 1-based in characters, as the server reports it. */
      position?: number;
      /**
       * A message of several statements refused at a later one: the server would run those before
       * it, then fail. The first `textBytes` bytes of the text (UTF-8) hold them; they run allowed
       * as `allowed` says (their masking scope), and the refusal is answered where the next starts.
       */
      runsFirst?: { textBytes: number; allowed: Extract<Verdict, { kind: "allow" }> };
      /** A non-blocking review's refusal: the review the agent can follow (the HTTP status URL). */
      review?: { id: string; number: number };
    }
  | {
      kind: "hold";
      rule: string;
      message: string;
      /** What the agent should do meanwhile (who decides, how long to wait): the notice's HINT. */
      hint?: string;
      release: Promise<Verdict>;
      /** The client gave up (cancel, disconnect): whoever decides is told nothing will run. */
      withdraw?: (reason: string) => void;
    };

export const ALLOW: Verdict = Object.freeze({ kind: "allow" });

/** Who is asking, on which connection: the identity half of every decision. */
export type Identity = {
  agentId: string;
  agentName: string;
  groups: readonly string[];
  connectionId: string;
  connectionName: string;
  sessionId: string;
};

/** A statement as the front end received it, before any parsing. */
export type StatementRequest = {
  sql: string;
  /** How it arrived: a simple Query, a Parse of the extended protocol, or a COPY subprotocol. */
  via: "simple" | "parse";
  statementName?: string;
  /**
   * Everything sent before it has completed outside a transaction block, so the upstream's catalog
   * as another connection reads it now is what the server will resolve names against.
   */
  isUpstreamSettled?: boolean;
  /**
   * The statement as the front end already read it with the decision point's own grammar (the
   * MySQL relay reads a statement once for the verdict and for masking); absent, it is parsed here.
   */
  parsed?: ParsedStatements;
  /**
   * A reviewer approved the statement (an approval's `approvedAs` and `note`) under an older
   * catalog: judged again, a review the same in every respect runs on that approval instead of
   * asking again.
   */
  approved?: { as: string; note: string };
};

/** What the front end can offer about the upstream a session talks to. */
export type UpstreamAccess = {
  /** The role the session logs in as upstream (what `$user` in search_path stands for). */
  login: string;
  /** Reads where relations of these names live (a side connection with the same login). */
  lookupRelations?: RelationLookup;
  /** Settings the session starts with (startup parameters, `options -c`): as if SET first. */
  startupSettings?: ReadonlyArray<{ name: string; value: string }>;
  /** The upstream's relations and columns, so lineage and column rules resolve as the server does. */
  columns?: ColumnCatalogAccess;
  /**
   * For a front end whose catalog is not a `columns` snapshot (MySQL): its generated columns and
   * what its views read, checked against the upstream before a statement whose rules follow columns
   * is judged. A rejected check leaves them unknown (every column counts as computed from every
   * other, every relation as a view reading every column).
   */
  followed?: () => Promise<FollowedColumns>;
  /**
   * The search_path read from a server that does not report it (before PostgreSQL 18), right after
   * login or the pool's reset: the role's or database's default, where names resolve at first.
   */
  unreportedSearchPath?: string;
};

/**
 * Where a front end asks for verdicts: one `SessionDecisions` per connection, so state a session
 * builds up (search_path, prepared statements) never leaks between sessions.
 */
export type DecisionPoint = {
  openSession: (identity: Identity, upstream?: UpstreamAccess) => SessionDecisions;
  /**
   * The settings a client gave at connect, judged before the upstream login (a refusal is the
   * connection's FATAL). Absent: only the built-in connect settings pass (startup-verdict.ts).
   */
  judgeStartup?: (request: StartupJudgement) => Verdict | Promise<Verdict>;
};

/** What a connect-time judgement needs: whose connection, its upstream login, the settings in order. */
export type StartupJudgement = {
  connectionId: string;
  login: string;
  settings: ReadonlyArray<{ name: string; value: string }>;
};

/**
 * Returning a plain value keeps the hot path synchronous; a Promise lets a decision wait (store
 * lookups, human approval) without blocking other sessions.
 */
export type SessionDecisions = {
  decide: (statement: StatementRequest) => Verdict | Promise<Verdict>;
  /**
   * Bumped when policy changes, or where names resolve (search_path) does, so prepared statements
   * are judged again before they run.
   */
  version: () => number;
  /**
   * Bumped when the catalog snapshot statements are judged against changes, or is due a new read
   * (see catalog-epoch.ts): a prepared statement parsed while `t` was a table runs against the
   * view another connection replaced it by, so it is judged again before it runs.
   */
  catalogVersion?: () => number;
  /** A setting the upstream reported (ParameterStatus): search_path tells where names resolve. */
  observeSetting?: (name: string, value: string) => void;
};

export const ALLOW_ALL: DecisionPoint = {
  openSession: () => ({ decide: () => ALLOW, version: () => 0 }),
};
