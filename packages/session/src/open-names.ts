import type { Ask } from "./pairing-asks";
import { PortalNames } from "./portal-names";
import { type ResultScope, withPortalsRead } from "./result-scope";
import { type ResultSource, type StatementEntry, unboundPortal } from "./result-source";

type CloseAsk = Extract<Ask, { kind: "close" }>;

/**
 * The prepared statements and portals the server holds by name, as the messages sent so far leave
 * them, and put back when the server's answers say otherwise (an error skipped what created them,
 * a Close removed them, the transaction ended). The pairing decides when; this keeps the names.
 */
export class OpenNames {
  private readonly statements = new Map<string, StatementEntry>();
  private readonly portals = new PortalNames<ResultSource>();

  statement(name: string): StatementEntry | undefined {
    return this.statements.get(name);
  }

  portal(name: string): ResultSource | undefined {
    return this.portals.get(name);
  }

  /** A Parse gives `name` to `entry`; returns what the name held, for `undo`. */
  parsed(name: string, entry: StatementEntry): StatementEntry | undefined {
    const previous = this.statements.get(name);
    this.statements.set(name, entry);
    return previous;
  }

  /** A Bind gives `name` to `portal`; returns what the name held, for `undo`. */
  bound(name: string, portal: ResultSource): ResultSource | undefined {
    const previous = this.portals.get(name);
    this.portals.set(name, portal);
    return previous;
  }

  /** A portal by name; one never bound through the gateway (a SQL cursor) comes from nowhere known. */
  portalNamed(name: string): ResultSource {
    let portal = this.portals.get(name);
    if (!portal) {
      portal = unboundPortal();
      this.portals.set(name, portal);
    }
    return portal;
  }

  /** A FETCH's scope widened by every portal it could name, as they stand when it runs. */
  portalsRead(scope: ResultScope): ResultScope {
    return scope.fetchesPortals && this.portals.size > 0
      ? withPortalsRead(scope, this.portals.values())
      : scope;
  }

  /**
   * SQL that may close or replace portals (CLOSE, DECLARE, COMMIT or ROLLBACK TO inside a pipeline)
   * leaves no name trusted: a portal executed by name after it counts as one the gateway never saw
   * bound (fail closed: its computed columns are masked), not as the Bind that once had the name.
   */
  afterPortalsDropped(scope: ResultScope): void {
    if (scope.dropsPortals && this.portals.size > 0) this.portals.clear();
  }

  /** A CloseComplete: the name is gone, unless a later Parse or Bind gave it to another already. */
  closed(ask: CloseAsk): void {
    if (ask.target === "S") {
      if (this.statements.get(ask.name) === ask.entry) this.statements.delete(ask.name);
    } else if (this.portals.get(ask.name) === ask.entry) this.portals.delete(ask.name);
  }

  /**
   * An ask the server skipped after an error: what it would have created never existed, so its
   * name goes back to what it was. A failed Parse of the unnamed statement (`isFirst`: the one the
   * error answers) leaves none (the server drops it first).
   */
  undo(skipped: Ask, isFirst: boolean): void {
    if (skipped.kind === "parse" && this.statements.get(skipped.name) === skipped.entry) {
      if (skipped.previous && !(isFirst && skipped.name === ""))
        this.statements.set(skipped.name, skipped.previous);
      else this.statements.delete(skipped.name);
    } else if (skipped.kind === "bind" && this.portals.get(skipped.name) === skipped.portal) {
      if (skipped.previous) this.portals.set(skipped.name, skipped.previous);
      else this.portals.delete(skipped.name);
    }
  }

  /** The transaction ended: its portals are gone (prepared statements stay). */
  transactionEnded(): void {
    this.portals.clear();
  }
}
