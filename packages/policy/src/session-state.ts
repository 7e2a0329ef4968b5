import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import type { SessionContext } from "./engine";
import { parseSearchPath } from "./search-path";
import { type NewTables, TransactionTables } from "./transaction-tables";
import { createsRelations } from "./uncommitted-relations";

/** Bounds per-session memory: an agent preparing statements in a loop cannot grow the gateway. */
export const MAX_PREPARED_PER_SESSION = 1000;

/** Settings whose change moves the search path: itself, and RESET ALL or a computed set_config name. */
const PATH_SETTINGS = new Set(["search_path", "all", "*"]);

/**
 * Settings that change who the session is: `$user` and schema privileges follow the current role,
 * while name resolution reads the catalog as the login. Reported ones show a change made anywhere.
 */
const ROLE_SETTINGS = new Set(["role", "session_authorization", "*", "all"]);
const REPORTED_IDENTITY = new Set(["session_authorization", "is_superuser"]);

/** Stands for `$user` while a reported path is parsed (no schema can be named with a NUL). */
const USER_MARK = "\0user";

/**
 * What earlier statements and the upstream taught the engine about this session: every schema its
 * search_path has held (a union, so a later SET never hides an earlier candidate), the path the
 * upstream last reported (PostgreSQL 18 reports search_path like server_version), and what it has
 * PREPAREd.
 */
export class PolicySessionState implements SessionContext {
  private readonly schemas: string[];
  readonly prepared = new Map<string, StatementFacts[]>();
  readonly implicitSchemas: Set<string>;
  private reported: string[] | null = null;
  /**
   * The upstream never reports search_path (before PostgreSQL 18): the path read at login stands
   * only until something may move it, since no report would show where it went.
   */
  private isPathUnreported = false;
  /** A statement set the path to a value computed at run time: pg_catalog may come later on it since. */
  isPathComputed = false;
  /** See SessionContext.shadowingNames: only ever grows, like the path's union. */
  readonly shadowingNames = new Set<string>();
  /** Plain tables the open transaction created (see transaction-tables.ts). */
  readonly transactionTables = new TransactionTables();
  private changes = 0;
  /** Bumped by anything that changes this state, so a verdict remembered for it can tell it is stale. */
  private mutations = 0;
  private isRoleChanged = false;
  private readonly loginIdentity = new Map<string, string>();

  constructor(private readonly upstreamUser: string) {
    this.schemas = [upstreamUser, "public"];
    this.implicitSchemas = new Set([upstreamUser]);
  }

  get searchPath(): readonly string[] {
    return this.schemas;
  }

  /**
   * The path as the upstream last reported it; null when it does not report search_path, reported
   * one the gateway cannot read exactly, or the session may have changed role.
   */
  get reportedPath(): readonly string[] | null {
    return this.isRoleChanged ? null : this.reported;
  }

  /** Bumped whenever name resolution may have changed, so prepared statements are judged again. */
  get resolutionEpoch(): number {
    return this.changes;
  }

  /**
   * Changes whenever anything in this state may have changed (settings seen, schemas added, path or
   * role moved, statements prepared or deallocated): a verdict judged at one version holds at it.
   */
  get version(): number {
    return this.mutations;
  }

  /** The trust in new tables the statements of the message judged last were judged with. */
  get newTables(): NewTables {
    return this.transactionTables.current;
  }

  /** The role the session logged in as upstream. */
  get login(): string {
    return this.upstreamUser;
  }

  /** A setting the upstream reported (ParameterStatus). */
  observeSetting(name: string, value: string): void {
    this.mutations += 1;
    if (REPORTED_IDENTITY.has(name)) {
      const atLogin = this.loginIdentity.get(name);
      if (atLogin === undefined) this.loginIdentity.set(name, value);
      else if (atLogin !== value) this.isRoleChanged = true;
      return;
    }
    if (name !== "search_path") return;
    // Converted to the client's encoding on the way: only ASCII is certain to read as sent.
    const named = /[^ -~\t\n\r\f]/.test(value) ? null : parseSearchPath(value, USER_MARK);
    if (named === null) {
      // Not read exactly: no resolution from it, and every piece that could be a schema joins the union.
      this.addSchemas(value);
      this.reported = null;
      this.changes += 1;
      return;
    }
    const path = named.map((schema) => (schema === USER_MARK ? this.upstreamUser : schema));
    // A schema the upstream reports (set inside a function, say) is as explicit as one SET names.
    for (const [i, schema] of path.entries()) this.addSchema(schema, named[i] !== USER_MARK);
    if (this.reported?.join("\0") !== path.join("\0")) this.changes += 1;
    this.reported = path;
  }

  /**
   * The path the gateway read from an upstream that does not report search_path (the role's or
   * database's default): names resolve there at first, and its schemas join the union for good.
   */
  seedUnreportedPath(value: string): void {
    this.isPathUnreported = true;
    this.observeSetting("search_path", value);
  }

  /** Code the gateway did not judge may have moved the path where no report will show it. */
  forgetUnreportedPath(): void {
    if (this.isPathUnreported && this.reported !== null) {
      this.reported = null;
      this.changes += 1;
    }
  }

  /**
   * Before a message is judged: schemas its own statements put on the path join the union, so
   * `SET search_path = hr; SELECT * FROM secrets` is judged with hr in view. Returns whether the
   * message moves the path at all (then the reported path no longer says where names resolve).
   */
  absorbPathChanges(parsed: ParsedStatements): boolean {
    if (!parsed.ok) return false;
    let isMoved = false;
    for (const facts of parsed.statements) {
      this.absorbShadowingNames(facts);
      if (facts.settings.length > 0) this.mutations += 1;
      for (const setting of facts.settings) {
        if (ROLE_SETTINGS.has(setting.name)) this.isRoleChanged = true;
        if (!PATH_SETTINGS.has(setting.name)) continue;
        isMoved = true;
        this.forgetUnreportedPath();
        // A computed value, or a constant one under a computed setting name (`*`).
        if (setting.name === "*" || (setting.value === null && setting.via !== "RESET"))
          this.isPathComputed = true;
        if (setting.name === "search_path" && setting.value) this.addSchemas(setting.value);
      }
    }
    return isMoved;
  }

  /**
   * A relation this message may create in the session's temporary schema under a bare `pg_…` name
   * shadows pg_catalog's of that name; a rename may give any name. Absorbed before judging, so
   * `CREATE TEMP VIEW pg_am AS SELECT … FROM orders; INSERT INTO pg_am …` in one message is judged
   * with the shadow in view.
   */
  private absorbShadowingNames(facts: StatementFacts): void {
    const isCreating = createsRelations(facts);
    if (!isCreating && facts.kind !== "RENAME") return;
    const names =
      facts.kind === "RENAME"
        ? ["*"]
        : facts.tablesWritten
            .filter(
              (table) =>
                (table.schema === null || table.schema === "pg_temp" || /^pg_temp_\d+$/.test(table.schema)) &&
                table.name.startsWith("pg_"),
            )
            .map((table) => table.name);
    for (const name of names) {
      if (this.shadowingNames.has(name)) continue;
      this.shadowingNames.add(name);
      this.mutations += 1;
      this.changes += 1;
    }
  }

  /**
   * Settings given at connect time count as a SET before the first statement: a startup
   * search_path (PostgreSQL before 18 never reports it) joins the union as SET's value would.
   */
  absorbStartupSettings(settings: ReadonlyArray<{ name: string; value: string }>): void {
    this.mutations += 1;
    for (const { name, value } of settings) if (name === "search_path") this.addSchemas(value);
  }

  afterAllowed(parsed: ParsedStatements): void {
    if (!parsed.ok) return;
    for (const facts of parsed.statements) {
      if (facts.kind === "PREPARE" || facts.kind === "DEALLOCATE" || facts.kind === "DISCARD")
        this.mutations += 1;
      if (
        facts.kind === "PREPARE" &&
        facts.preparedName !== undefined &&
        this.prepared.size < MAX_PREPARED_PER_SESSION
      ) {
        // PREPARE of a name that exists fails at the server, which keeps the first: whichever holds,
        // EXECUTE is judged against every statement the name may stand for.
        this.prepared.set(facts.preparedName, [...(this.prepared.get(facts.preparedName) ?? []), facts]);
      }
      // DEALLOCATE ALL names none: its facts carry "" (no SQL name is empty: `""` is a syntax
      // error), so "" or no name at all means every prepared statement is gone.
      if (facts.kind === "DEALLOCATE" && facts.preparedName) this.prepared.delete(facts.preparedName);
      if (facts.kind === "DISCARD" || (facts.kind === "DEALLOCATE" && !facts.preparedName))
        this.prepared.clear();
    }
  }

  /** This session as the engine sees it once unqualified names are resolved (name → schema). */
  resolvedAs(resolved: ReadonlyMap<string, string>): SessionContext {
    return {
      searchPath: this.schemas,
      isPathComputed: this.isPathComputed,
      shadowingNames: this.shadowingNames,
      implicitSchemas: this.implicitSchemas,
      prepared: this.prepared,
      newTables: this.newTables,
      resolved,
    };
  }

  /**
   * A SET value arrives as names already folded by the parser, a set_config value as server syntax;
   * both readings join the union (a candidate too many only makes a rule match more).
   */
  private addSchemas(value: string): void {
    this.mutations += 1;
    for (const schema of new Set([
      ...loosePieces(value),
      ...(parseSearchPath(value, this.upstreamUser) ?? []),
    ])) {
      if (!schema) continue;
      const isDefault = schema === "$user";
      // Named explicitly, so an allow-list must now cover it too.
      this.addSchema(isDefault ? this.upstreamUser : schema, !isDefault);
    }
  }

  private addSchema(schema: string, isExplicit: boolean): void {
    this.mutations += 1;
    if (!this.schemas.includes(schema)) {
      this.schemas.push(schema);
      this.changes += 1;
    }
    if (isExplicit) this.implicitSchemas.delete(schema);
  }
}

/** Every comma-separated piece, trimmed and unquoted: a generous reading for the union only. */
function loosePieces(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim().replace(/^"(.*)"$/, "$1"))
    .filter(Boolean);
}
