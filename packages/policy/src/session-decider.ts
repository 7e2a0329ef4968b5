import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import { approvalBasis } from "./approval-basis";
import { CatalogEpoch } from "./catalog-epoch";
import { CatalogFreshness } from "./catalog-freshness";
import {
  followsColumns,
  followsReadViews,
  followsWrites,
  followsWrittenViews,
  needsCatalog,
} from "./catalog-needs";
import { SessionCodeChanges } from "./code-freshness";
import type { PolicyDecisionOptions } from "./decision-point";
import { evaluate, type PolicyVerdict } from "./engine";
import type { FactsCache } from "./facts-cache";
import { type FollowedColumns, unknownFollowedColumns } from "./followed-columns";
import { perRun, syntaxError, toGatewayVerdict, touchesOf } from "./gateway-verdict";
import { allowWithMasking, type CursorScope, type MaskingScopeOf } from "./masking-verdict";
import { placeholderDenial, placeholderWriteBack } from "./placeholder-write";
import { readsView } from "./read-reach";
import { isPlainRead, type RepeatKey, RepeatVerdicts } from "./repeat-verdicts";
import type { ConnectionPolicy } from "./rules";
import { SessionCatalog } from "./session-catalog";
import { PolicySessionState } from "./session-state";
import { MAX_STATEMENT_BYTES, statementTooLong, unjudgeable } from "./statement-limits";
import { denialAfterPrefix } from "./statements-before-refusal";
import { mayRunUnjudgedCode } from "./unjudged-code";
import { resolvableNames, resolveNames } from "./unqualified-names";
import type { Identity, SessionDecisions, StatementRequest, UpstreamAccess, Verdict } from "./verdict";

type Parsed = ReturnType<FactsCache["parse"]>;

/**
 * One session's decisions, in the order a statement meets them: the policy loaded → facts (cached)
 * → the upstream's catalog read again when the statement reads a relation it lacks → the pure
 * engine → a refusal that hangs on an unqualified name judged again with the name resolved → the
 * allowed statement's masking scope → a review verdict handed to the broker.
 */
export class SessionDecider implements SessionDecisions {
  private readonly state: PolicySessionState;
  private readonly cursors: CursorScope = { maskedTables: new Set(), relations: new Map() };
  private readonly maskingScope: MaskingScopeOf;
  private readonly codeChanges: SessionCodeChanges;
  /** Plain reads judged already, under what their verdict rests on (see `RepeatKey`). */
  private readonly repeats = new RepeatVerdicts();
  /** The catalog snapshots prepared statements were judged under. */
  private readonly catalogEpoch: CatalogEpoch;
  /** When a statement waits for the catalog to be read again (absent: the front end reads none). */
  private readonly freshness: CatalogFreshness | undefined;
  /** The upstream's catalog as this session's judgements see it. */
  private readonly catalog: SessionCatalog;

  constructor(
    private readonly options: PolicyDecisionOptions,
    private readonly identity: Identity,
    private readonly upstream: UpstreamAccess | undefined,
  ) {
    this.catalogEpoch = new CatalogEpoch(upstream?.columns);
    // Only a catalog snapshot tells a write's target (write-reach.ts): only there is a name changed unseen refused.
    this.codeChanges = new SessionCodeChanges({ tracksUnseenDdl: upstream?.columns !== undefined });
    this.catalog = new SessionCatalog(upstream, this.codeChanges);
    this.state = new PolicySessionState(upstream?.login ?? options.upstreamUser(identity.connectionId));
    if (upstream?.unreportedSearchPath !== undefined)
      this.state.seedUnreportedPath(upstream.unreportedSearchPath);
    this.state.absorbStartupSettings(upstream?.startupSettings ?? []);
    if (upstream?.columns)
      this.freshness = new CatalogFreshness(upstream.columns, this.state, this.codeChanges);
    this.maskingScope = {
      identity,
      state: this.state,
      cursors: this.cursors,
      columnsFor: (session) => this.catalog.columnsFor(session),
      snapshot: () => this.upstream?.columns?.current() ?? null,
      generated: () => this.catalog.generated(),
    };
  }

  /** Both only grow, so their sum changes whenever either does. */
  version(): number {
    return this.options.policies.version + this.state.resolutionEpoch;
  }

  catalogVersion(): number {
    return this.catalogEpoch.now();
  }

  decide(statement: StatementRequest): Verdict | Promise<Verdict> {
    const policy = this.options.policies.get(this.identity.connectionId);
    if (!policy) return this.options.policies.reload().then(() => this.decideWith(statement));
    return this.decideWith(statement);
  }

  observeSetting(name: string, value: string): void {
    this.state.observeSetting(name, value);
  }

  private decideWith(statement: StatementRequest): Verdict | Promise<Verdict> {
    const policy = this.options.policies.get(this.identity.connectionId);
    if (!policy) {
      return {
        kind: "deny",
        rule: "sluice:no-policy",
        message: `no policy is loaded for connection ${this.identity.connectionName}`,
      };
    }
    const tooLong = statementTooLong(statement.sql, this.options.maxStatementBytes ?? MAX_STATEMENT_BYTES);
    if (tooLong) return tooLong;
    const parsed = statement.parsed ?? this.options.facts.parseOffLoop(statement.sql);
    if (parsed instanceof Promise) {
      return parsed.then((facts) => this.decideParsed(policy, statement, facts), unjudgeable);
    }
    return this.decideParsed(policy, statement, parsed);
  }

  private decideParsed(
    policy: ConnectionPolicy,
    statement: StatementRequest,
    parsed: ParsedStatements,
  ): Verdict | Promise<Verdict> {
    const movesPath = this.state.absorbPathChanges(parsed);
    // Nothing in flight and no transaction open: what the last one created is committed or gone.
    if (statement.isUpstreamSettled === true) this.state.transactionTables.transactionEnded();
    // A BEGIN after DDL has the catalog caught up too: a client that runs everything in
    // transactions would otherwise carry its committed DDL's uncertainty (and the writes it
    // refuses, write-reach.ts) to the end of the session.
    const isCatchUpDue =
      statement.isUpstreamSettled === true && this.codeChanges.isCatchUpDue(followsWrites(policy));
    const isCatalogFree = parsed.ok && !needsCatalog(parsed.statements);
    if (this.freshness && parsed.ok && (!isCatalogFree || isCatchUpDue)) {
      const needed = this.freshness.readNeeded(policy, statement, parsed.statements);
      if (needed)
        return this.freshness.judgeAfterRead(
          needed,
          () => this.judgeParsed(policy, statement, parsed, movesPath),
          isCatalogFree,
        );
    }
    const followed = this.upstream?.followed;
    if (
      followed &&
      parsed.ok &&
      needsCatalog(parsed.statements) &&
      (followsColumns(policy) ||
        followsWrittenViews(policy, parsed.statements) ||
        followsReadViews(policy, parsed.statements))
    ) {
      // A column computed from a covered one, or a view reading it, is covered: what the upstream
      // computes and what its views read (a view another connection just made too) is checked first.
      const judge = (known: FollowedColumns) => {
        this.catalog.checked = known;
        return this.judgeOrRepeat(policy, statement, parsed, movesPath);
      };
      return followed().then(judge, () => judge(unknownFollowedColumns()));
    }
    return this.judgeOrRepeat(policy, statement, parsed, movesPath);
  }

  /**
   * A plain read judged before under the same key gets the verdict it got then, without judging it
   * again (the same facts, policy, session state and catalog give the same verdict); anything else,
   * and a read whose key changed, is judged.
   */
  private judgeOrRepeat(
    policy: ConnectionPolicy,
    statement: StatementRequest,
    parsed: Parsed,
    movesPath: boolean,
  ): Verdict | Promise<Verdict> {
    if (movesPath || this.codeChanges.uncertainty !== null || !isPlainRead(parsed)) {
      return this.judgeParsed(policy, statement, parsed, movesPath);
    }
    const key = this.repeatKey(policy, statement.via);
    const repeated = this.repeats.get(parsed, key);
    // Judged now, by the verdict it rests on: the snapshot is the one its key names.
    if (repeated)
      return statement.via === "parse" ? this.stamped(repeated, this.catalogEpoch.now()) : repeated;
    const verdict = this.judgeParsed(policy, statement, parsed, movesPath);
    // Kept only when judging it left everything the key stands for as it was.
    if (!(verdict instanceof Promise) && this.codeChanges.uncertainty === null)
      this.repeats.remember(parsed, this.repeatKey(policy, statement.via), verdict, key);
    return verdict;
  }

  private repeatKey(policy: ConnectionPolicy, via: StatementRequest["via"]): RepeatKey {
    return {
      policy,
      policyVersion: this.options.policies.version,
      stateVersion: this.state.version,
      snapshot: this.upstream?.columns?.current() ?? null,
      generated: this.catalog.generated() ?? null,
      viewReads: this.catalog.viewReads() ?? null,
      via,
    };
  }

  private judgeParsed(
    policy: ConnectionPolicy,
    statement: StatementRequest,
    parsed: Parsed,
    movesPath: boolean,
  ): Verdict | Promise<Verdict> {
    // Judged under the catalog the statements are: the tables they create are trusted by it.
    if (parsed.ok)
      this.state.transactionTables.absorb(parsed.statements, this.catalog.withColumns(this.state, parsed));
    const judged = evaluate(policy, parsed, this.catalog.withColumns(this.state, parsed));
    const epoch = this.epochOf(statement, judged);
    const lookup = this.upstream?.lookupRelations;
    const path = this.state.reportedPath;
    // Judged over every schema a name could resolve to, a statement is refused when any of them
    // is; where the server's own answer is knowable, only a refusal is worth the catalog read.
    if (judged.kind === "allow" || !lookup || !path || !statement.isUpstreamSettled || movesPath) {
      return this.afterJudged(policy, statement, parsed, judged, epoch);
    }
    const names = resolvableNames(parsed, this.state, statement.via);
    if (names.length === 0) return this.afterJudged(policy, statement, parsed, judged, epoch);
    const asJudged = () => this.afterJudged(policy, statement, parsed, judged, epoch);
    return resolveNames(names, path, lookup, this.state.login).then((resolved) => {
      if (!resolved) return asJudged();
      const rejudged = evaluate(
        policy,
        parsed,
        this.catalog.withColumns(this.state.resolvedAs(resolved), parsed),
      );
      // A review would run the statement later, when the catalog may have moved: only an allow (or
      // a refusal) rests on the names as they resolve now.
      if (rejudged.kind === "review") return asJudged();
      const verdict = this.afterJudged(
        policy,
        statement,
        parsed,
        rejudged,
        this.epochOf(statement, rejudged),
      );
      // Its allow holds for the catalog as it is now: a prepared statement is judged again per run.
      return verdict instanceof Promise ? verdict.then(perRun) : perRun(verdict);
    }, asJudged);
  }

  private afterJudged(
    policy: ConnectionPolicy,
    statement: StatementRequest,
    parsed: Parsed,
    judged: PolicyVerdict,
    epoch: number | undefined,
  ): Verdict | Promise<Verdict> {
    const sql = statement.sql;
    if (judged.kind === "deny") {
      if (!parsed.ok) return syntaxError(judged, parsed);
      // A simple Query runs its statements in order until one fails; a Parse holds one statement.
      const split = statement.via === "simple" ? this.splitAtRefusal(policy, sql, parsed.statements) : null;
      if (split?.runsFirst)
        this.codeChanges.note(
          parsed.statements,
          split.runsFirst.allowed.mayRunUnjudgedCode === true,
          this.catalog.withColumns(this.state, parsed),
        );
      return split ?? toGatewayVerdict(judged);
    }
    const writeBack = policy.masking?.length ? placeholderWriteBack(sql, parsed) : null;
    if (writeBack) return placeholderDenial(policy.connectionName, writeBack);
    let allowed = this.withUnjudgedCode(allowWithMasking(this.maskingScope, policy, parsed), parsed);
    // What a view reads or writes into can change before a prepared statement through it runs again.
    // A front end without a snapshot (MySQL) cannot tell a newer catalog at its next run either (a
    // table replaced by a view over a covered column): its catalog is checked again per run.
    if (
      parsed.ok &&
      (followsWrittenViews(policy, parsed.statements) ||
        (followsReadViews(policy, parsed.statements) &&
          (this.upstream?.followed !== undefined ||
            readsView(parsed.statements, this.catalog.viewReads(parsed), this.state))) ||
        (this.upstream?.followed !== undefined && followsColumns(policy) && needsCatalog(parsed.statements)))
    )
      allowed = perRun(allowed);
    if (judged.kind === "allow" || allowed.kind !== "allow") return this.stamped(allowed, epoch);
    if (!this.options.reviews || !parsed.ok) return toGatewayVerdict(judged);
    const approvedAs = approvalBasis(
      policy,
      parsed.statements,
      this.catalog.withColumns(this.state, parsed),
      judged,
      allowed,
    );
    const onApproval = { ...allowed, approvedAs, ...(epoch === undefined ? {} : { catalogVersion: epoch }) };
    // Approved under an older catalog and the same in every respect under this one: the approval
    // holds. Anything else (new masking, another rule, a view over other columns) is asked anew.
    if (statement.approved?.as === approvedAs) {
      return {
        ...onApproval,
        note: `${statement.approved.note}; judged again under a newer catalog, unchanged`,
      };
    }
    return this.options.reviews.request({
      identity: this.identity,
      sql,
      ...(parsed.ok && parsed.statements.some((facts) => facts.dialect === "mysql")
        ? { dialect: "mysql" as const }
        : {}),
      rule: judged.rule,
      reviewerGroups: judged.reviewerGroups,
      message: judged.message,
      touches: touchesOf(parsed),
      onApproval,
    });
  }

  /**
   * The catalog version a verdict is judged under, taken when it is judged, where one is kept: for
   * a prepared statement (judged again at Bind under a newer one) and a review (its approval).
   */
  private epochOf(statement: StatementRequest, judged: PolicyVerdict): number | undefined {
    return statement.via === "parse" || judged.kind === "review" ? this.catalogEpoch.now() : undefined;
  }

  /** An allow carrying the catalog version it was judged under. */
  private stamped(verdict: Verdict, epoch: number | undefined): Verdict {
    return verdict.kind === "allow" && epoch !== undefined ? { ...verdict, catalogVersion: epoch } : verdict;
  }

  /**
   * An allow for a statement that may run code nobody judged says so: the relay holds what follows.
   * What it may change in the upstream's code is noted (it may run, now or after a review), and a
   * prepared statement that changes code is judged again, and noted again, at each Bind.
   */
  private withUnjudgedCode(verdict: Verdict, parsed: Parsed): Verdict {
    if (verdict.kind !== "allow" || !parsed.ok) return verdict;
    const session = this.catalog.withColumns(this.state, parsed);
    const runsCode =
      mayRunUnjudgedCode(parsed.statements, session) ||
      parsed.statements.some((facts) => this.codeChanges.fetchRunsCode(facts));
    if (runsCode) this.state.forgetUnreportedPath();
    const changesCode = this.codeChanges.note(parsed.statements, runsCode, session);
    if (!runsCode && !changesCode) return verdict;
    return {
      ...verdict,
      ...(runsCode ? { mayRunUnjudgedCode: true } : {}),
      ...(changesCode ? { isJudgedPerRun: true } : {}),
    };
  }

  /** A simple Query refused at a later statement: the ones before it run, as on the server. */
  private splitAtRefusal(policy: ConnectionPolicy, sql: string, statements: StatementFacts[]) {
    const session = this.catalog.withColumns(this.state, { ok: true, statements });
    return denialAfterPrefix(statements, {
      evaluate: (some) => evaluate(policy, { ok: true, statements: some }, session),
      allow: (before, textBytes) => {
        const text = Buffer.from(sql).subarray(0, textBytes).toString();
        const writeBack = policy.masking?.length ? placeholderWriteBack(text, before) : null;
        if (writeBack) return placeholderDenial(policy.connectionName, writeBack);
        // They run as their own Query would: code they may run holds what the client pipelined.
        const allowed = allowWithMasking(this.maskingScope, policy, before);
        const ranIn = this.catalog.withColumns(this.state, before);
        const runsCode =
          mayRunUnjudgedCode(before.statements, ranIn) ||
          before.statements.some((facts) => this.codeChanges.fetchRunsCode(facts));
        if (!runsCode || allowed.kind !== "allow") return allowed;
        this.state.forgetUnreportedPath();
        return { ...allowed, mayRunUnjudgedCode: true };
      },
      deny: (denial) => toGatewayVerdict(denial) as Extract<Verdict, { kind: "deny" }>,
    });
  }
}
