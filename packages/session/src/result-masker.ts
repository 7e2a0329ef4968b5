import { type DetectorRule, maskDetected } from "@sluice/masking/content-masker";
import { maskDetectedInErrorBody, withHeader, withholdErrorText } from "@sluice/masking/error-fields";
import { maskDataRowsInto } from "@sluice/masking/mask-rows";
import type { FieldInfo } from "@sluice/masking/row-description";
import { type ColumnOrigins, type MaskPlan, planMasking } from "@sluice/masking/row-masker";
import { REDACTED_TEXT } from "@sluice/masking/strategies";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import type { OutputBuffer } from "@sluice/wire/output-buffer";
import { ServerCode } from "@sluice/wire/server-codes";
import { ResponsePairing } from "./response-pairing";
import type { ResultScope } from "./result-scope";
import { fieldsOf, type ResultSource } from "./result-source";

/** Result masking for one session; null when no rule applies to this agent on this connection. */
export type SessionMasking = {
  origins: ColumnOrigins;
  hashKey: Buffer;
  /** Column rules apply to this session (not only content rules): payloads of unknown origin are masked whole. */
  hasColumnRules: boolean;
  /** Content rules: text of columns no column rule masks is searched for sensitive values. */
  detectors: readonly DetectorRule[];
  /** Given the names a relation could resolve to: does it hold masked columns? */
  isMaskedTable: (candidates: readonly string[]) => boolean;
  /**
   * A view (it can rename any table's columns) or a relation the catalog does not know yet: its
   * computed outputs cannot be traced by name, so lineage does not count while it is in flight.
   */
  isOpaqueRelation: (candidates: readonly string[]) => boolean;
  /**
   * An object that stays the same while `origins`, `isMaskedTable` and `isOpaqueRelation` answer as
   * they did (one catalog read under the session's rules), or null while they may answer otherwise
   * next time (they met a relation the catalog does not know: a new read is on its way). A plan is
   * reused for another result only under the key it was made under; without this method, never.
   */
  planKey?: () => object | null;
};

/**
 * Upstream messages that carry no value, which `passAnswerAt` reads in place: a result's closing
 * messages, the extended protocol's acknowledgements and a result's description (column names and
 * types, which the client sees unmasked either way). One flag per message type.
 */
const PASSED_IN_PLACE = new Uint8Array(256);
for (const type of [
  ServerCode.CommandComplete,
  ServerCode.ReadyForQuery,
  ServerCode.ParseComplete,
  ServerCode.BindComplete,
  ServerCode.CloseComplete,
  ServerCode.NoData,
  ServerCode.PortalSuspended,
  ServerCode.RowDescription,
]) {
  PASSED_IN_PLACE[type] = 1;
}

/** Whether `passAnswerAt` takes an upstream message of this type. */
export function isPassedInPlace(type: number): boolean {
  return PASSED_IN_PLACE[type] === 1;
}

/** Rows of a source that needs no masking are copied as they are. */
const CLEAN = "clean";

/** What a plan was made from, besides the session's masking: see `ResultMasker.reusedPlan`. */
type PlanMemo = {
  key: object;
  fields: FieldInfo[];
  scope: ResultScope;
  plan: MaskPlan | typeof CLEAN;
};

/**
 * Masks a session's upstream messages as they pass, each by what its own portal or query
 * requires: the pairing says whose answer a message is, the plan comes from that source's columns
 * and its statement's verdict. Pure: the transport hands it frames and an output buffer.
 */
export class ResultMasker {
  private readonly pairing = new ResponsePairing();
  /** The source of the run of DataRows passing now; any other message ends the run. */
  private lastSource: ResultSource | null = null;
  private lastPlan: MaskPlan | typeof CLEAN | null = null;
  /** The last plan made, for the next result of the same statement (a new source each run). */
  private memo: PlanMemo | null = null;

  constructor(private readonly masking: SessionMasking) {}

  /** See `ResponsePairing.noteSent`: a message to send just before `raw`, or null. */
  noteSent(raw: Buffer, scope?: ResultScope): Buffer | null {
    return this.pairing.noteSent(raw, scope);
  }

  /** An upstream message the client gets something else in place of: only followed. */
  follow(type: number, body: Buffer): void {
    this.endRun();
    this.pairing.onAnswer(type, body);
  }

  /**
   * Writes the DataRows lying one after another at `bytes[start..end]` (whole messages, with no
   * other message between them, so all of one source) into `out`, masked by their source's plan.
   */
  maskRowsInto(bytes: Buffer, start: number, end: number, out: OutputBuffer): void {
    const source = this.pairing.rowSource();
    const plan = source ? this.planOf(source) : null;
    if (plan === CLEAN) out.appendRange(bytes, start, end);
    else maskDataRowsInto(bytes, start, end, plan, this.masking.hashKey, out);
  }

  /**
   * An answer that carries no value (see `isPassedInPlace`) lying whole at `bytes[start..end]`:
   * followed, and written into `out` as it is, read in place, without views of its own; a
   * RowDescription or NoData the gateway asked for itself is swallowed. The same as `maskInto` gives them.
   */
  passAnswerAt(type: number, bytes: Buffer, start: number, end: number, out: OutputBuffer): void {
    this.endRun();
    const pairing = this.pairing.onAnswerAt(type, bytes, start + TAGGED_HEADER_BYTES, end);
    if (pairing.kind !== "description" || !pairing.isHidden) out.appendRange(bytes, start, end);
  }

  /** Writes one upstream message ('type', its body and its raw bytes) into `out`, masked. */
  maskInto(type: number, body: Buffer, raw: Buffer, out: OutputBuffer): void {
    if (type === ServerCode.DataRow) {
      this.maskRowsInto(raw, 0, raw.length, out);
      return;
    }
    this.endRun();
    switch (type) {
      case ServerCode.RowDescription:
      case ServerCode.NoData: {
        const pairing = this.pairing.onAnswer(type, body);
        if (pairing.kind !== "description" || !pairing.isHidden) out.append(raw);
        return;
      }
      case ServerCode.ErrorResponse:
      case ServerCode.NoticeResponse: {
        // Decided before the pairing moves on: the error belongs to what is in flight now.
        const masked = this.maskErrorOrNotice(type, body, raw);
        this.pairing.onAnswer(type, body);
        out.append(masked);
        return;
      }
      case ServerCode.NotificationResponse:
        out.append(this.maskNotification(body));
        return;
      default:
        this.pairing.onAnswer(type, body);
        out.append(raw);
    }
  }

  /**
   * A run of rows (one Execute's or one query's, up to the next other message) is masked under one
   * plan; a policy change applies from the next run, which a suspended portal's next Execute starts.
   */
  private endRun(): void {
    this.lastSource = null;
    this.lastPlan = null;
  }

  /** The plan for a source's rows; null (mask every column) while its columns are unknown. */
  private planOf(source: ResultSource): MaskPlan | typeof CLEAN | null {
    // Rows come in runs from one source: the last plan answers without a lookup.
    if (source === this.lastSource && this.lastPlan) return this.lastPlan;
    const { masking } = this;
    const key = masking.planKey?.() ?? null;
    // A portal's earlier plan (it outlives a policy change: a row limit suspends it, its next Execute
    // comes later) holds only under the key it was made under: a new rule, a withdrawn exemption or
    // a new catalog read since (or no key to tell) makes a new plan from its columns.
    const cached = source.plan;
    if (cached !== null && key !== null && source.planKey === key) {
      this.lastSource = source;
      this.lastPlan = cached;
      return cached;
    }
    const fields = fieldsOf(source);
    if (!fields) return null;
    // Its verdict's lineage was proven under the rules of then: a rule added since may name a
    // column it read, so its computed columns are unprovable from now on (fail closed).
    const scope = cached !== null ? withoutLineage(source.scope) : source.scope;
    const reused = key && cached === null ? this.reusedPlan(key, fields, scope) : null;
    const plan = reused ?? this.makePlan(fields, scope);
    // The plan holds under `key` only if the masking answered every question under it. A reused
    // plan asked none (the key is asked again only after questions, one call for both uses below).
    const isKeyHeld = key !== null && (reused !== null || masking.planKey?.() === key);
    // Kept for the next result.
    if (!reused && cached === null && isKeyHeld) this.memo = { key, fields, scope, plan };
    // A portal may be executed again (a row limit, a named portal); a simple Query's result is met
    // in one run, which `lastSource` covers: a plan kept on it would only be garbage.
    if (!this.pairing.isQueryResult(source)) {
      source.plan = plan;
      source.planKey = isKeyHeld ? key : null;
    }
    this.lastSource = source;
    this.lastPlan = plan;
    return plan;
  }

  private makePlan(fields: FieldInfo[], scope: ResultScope): MaskPlan | typeof CLEAN {
    const { masking } = this;
    const isUntraceable =
      scope.relations.some(masking.isOpaqueRelation) ||
      (masking.hasColumnRules && scope.isOriginUnknown === true);
    return (
      planMasking(
        fields,
        masking.origins,
        isUntraceable || scope.maskedTables.length > 0 || scope.relations.some(masking.isMaskedTable),
        isUntraceable ? null : (scope.cleanOutputs ?? null),
        masking.detectors,
      ) ?? CLEAN
    );
  }

  /**
   * The last plan, when this result would get the same one: the same columns (one fields array:
   * the pairing shares it between equal RowDescriptions), under the same masking key, from a scope
   * that asks the same questions (its verdict's own lists, as a remembered verdict hands them over).
   */
  private reusedPlan(key: object, fields: FieldInfo[], scope: ResultScope): MaskPlan | typeof CLEAN | null {
    const memo = this.memo;
    if (!memo || memo.key !== key || memo.fields !== fields) return null;
    const last = memo.scope;
    const isSameScope =
      last === scope ||
      (last.relations === scope.relations &&
        last.cleanOutputs === scope.cleanOutputs &&
        last.isOriginUnknown === scope.isOriginUnknown &&
        last.maskedTables.length > 0 === scope.maskedTables.length > 0);
    return isSameScope ? memo.plan : null;
  }

  /** Could a value of a masked column be quoted by an error or notice of what is in flight? */
  private isMaskedInFlight(): boolean {
    const { masking } = this;
    return this.pairing
      .scopesInFlight()
      .some(
        (scope) =>
          scope.maskedTables.length > 0 ||
          (masking.hasColumnRules && scope.isOriginUnknown === true) ||
          scope.relations.some((names) => masking.isMaskedTable(names) || masking.isOpaqueRelation(names)),
      );
  }

  /**
   * An error's or notice's free text can quote any value the statement touched, in forms no
   * pattern can list (a number a cast printed, a CONTEXT line with a whole row): while masked
   * columns are in flight it is withheld, keeping the SQLSTATE and the fields that name objects.
   * Otherwise content detectors still mask what they recognise.
   */
  private maskErrorOrNotice(type: number, body: Buffer, raw: Buffer): Buffer {
    if (this.isMaskedInFlight()) return withHeader(type, withholdErrorText(body));
    const { detectors, hashKey } = this.masking;
    if (detectors.length > 0) return withHeader(type, maskDetectedInErrorBody(body, detectors, hashKey));
    return raw;
  }

  /**
   * A notification's payload can carry anything another session put there. Under column rules it is
   * replaced by the placeholder (fail closed); under content rules only, what the detectors find is masked.
   * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTIFICATIONRESPONSE
   */
  private maskNotification(body: Buffer): Buffer {
    const { masking } = this;
    const channelEnd = body.indexOf(0, 4);
    const payloadEnd = body.indexOf(0, channelEnd + 1);
    if (channelEnd < 0 || payloadEnd < 0) return withHeader(ServerCode.NotificationResponse, body);
    const payload = body.toString("utf8", channelEnd + 1, payloadEnd);
    const masked = masking.hasColumnRules
      ? payload === ""
        ? ""
        : REDACTED_TEXT
      : (maskDetected(payload, masking.detectors, masking.hashKey) ?? payload);
    return withHeader(
      ServerCode.NotificationResponse,
      Buffer.concat([body.subarray(0, channelEnd + 1), Buffer.from(`${masked}\0`, "utf8")]),
    );
  }
}

/** A scope whose verdict's lineage no longer counts: see `ResultMasker.planOf`. */
function withoutLineage(scope: ResultScope): ResultScope {
  if (scope.cleanOutputs === undefined) return scope;
  const { cleanOutputs: _stale, ...rest } = scope;
  return rest;
}
