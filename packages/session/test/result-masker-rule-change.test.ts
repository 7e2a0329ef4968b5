import { REDACTED_TEXT } from "@sluice/masking/strategies";
import { ResultMasker, type SessionMasking } from "@sluice/session/result-masker";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import {
  cstr,
  dataRow,
  int16,
  int32,
  tagged,
  rowDescription as wireRowDescription,
} from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import type { ResultScope } from "../src/result-scope";

/**
 * review9, on redteam4's "rules added while a session is open apply to its next result" (9e87da0):
 * the session's masking now follows a rule added mid-session (its plan key changes), but a plan
 * made for a portal is kept per portal (ResultMasker.plans), whatever key it was made under. A
 * portal opened before the rule and executed again after it (Execute with a row limit, the next
 * Execute of a suspended portal) still gets the old plan: its ssn comes back in clear.
 */

/** Table 100 is `customers(id, ssn)`; ssn is masked once `addRule` ran (a new plan key). */
function changingMasking() {
  let isSsnMasked = false;
  let key: object = {};
  const masking: SessionMasking = {
    origins: {
      ruleFor: (tableOid, attnum) =>
        isSsnMasked && tableOid === 100 && attnum === 2 ? { name: "ssn", strategy: "REDACT" } : null,
    },
    hashKey: Buffer.alloc(32),
    hasColumnRules: true,
    detectors: [],
    isMaskedTable: (names) => isSsnMasked && names.includes("public.customers"),
    isOpaqueRelation: () => false,
    planKey: () => key,
  };
  return {
    masking,
    addRule: () => {
      isSsnMasked = true;
      key = {};
    },
  };
}

/** The portal's statement was judged before the rule existed: no masked table in its verdict. */
const READS_CUSTOMERS_UNMASKED: ResultScope = { maskedTables: [], relations: [["public.customers"]] };

describe("a masking rule added while a portal is open (review9)", () => {
  it("masks the rows of the portal's next Execute", () => {
    const { masking, addRule } = changingMasking();
    const masker = new ResultMasker(masking);
    for (const [message, scope] of [
      [query("BEGIN")],
      [parse("s", "SELECT id, ssn FROM customers"), READS_CUSTOMERS_UNMASKED],
      [bind("cur", "s")],
      [describePortal("cur")],
      [executeRows("cur", 1)],
      [sync()],
    ] as Array<[Buffer, ResultScope?]>)
      masker.noteSent(message, scope);
    const first = receive(masker, [
      tagged("C", cstr("BEGIN")),
      tagged("Z", Buffer.from("T")),
      tagged("1"),
      tagged("2"),
      rowDescription([
        [100, 1],
        [100, 2],
      ]),
      dataRow(["1", "123-45-6789"]),
      tagged("s"),
      tagged("Z", Buffer.from("T")),
    ]);
    // Before the rule the ssn was not masked: that is the policy of the moment.
    expect(first).toContain("123-45-6789");

    addRule();
    for (const message of [executeRows("cur", 1), sync()]) masker.noteSent(message);
    const next = receive(masker, [dataRow(["2", "987-65-4321"]), tagged("s"), tagged("Z", Buffer.from("T"))]);
    expect(next).not.toContain("987-65-4321");
    expect(next).toContain(REDACTED_TEXT);
  });

  it("masks a computed column its verdict proved clean under the earlier rules", () => {
    const { masking, addRule } = changingMasking();
    const masker = new ResultMasker(masking);
    // `SELECT upper(ssn) FROM customers`, judged with no rule: its lineage said "clean".
    const provedClean: ResultScope = { ...READS_CUSTOMERS_UNMASKED, cleanOutputs: [true] };
    for (const [message, scope] of [
      [query("BEGIN")],
      [parse("s", "SELECT upper(ssn) FROM customers"), provedClean],
      [bind("cur", "s")],
      [describePortal("cur")],
      [executeRows("cur", 1)],
      [sync()],
    ] as Array<[Buffer, ResultScope?]>)
      masker.noteSent(message, scope);
    const first = receive(masker, [
      tagged("C", cstr("BEGIN")),
      tagged("Z", Buffer.from("T")),
      tagged("1"),
      tagged("2"),
      rowDescription([[0, 0]]),
      dataRow(["123-45-6789"]),
      tagged("s"),
      tagged("Z", Buffer.from("T")),
    ]);
    expect(first).toContain("123-45-6789");

    addRule();
    for (const message of [executeRows("cur", 1), sync()]) masker.noteSent(message);
    const next = receive(masker, [dataRow(["987-65-4321"]), tagged("s"), tagged("Z", Buffer.from("T"))]);
    expect(next).not.toContain("987-65-4321");
    expect(next).toContain(REDACTED_TEXT);
  });
});

function receive(masker: ResultMasker, messages: Buffer[]): string {
  const out = new OutputBuffer(256);
  for (const message of messages) masker.maskInto(message[0] as number, message.subarray(5), message, out);
  return Buffer.from(out.take()).toString("latin1");
}

const query = (sql: string) => tagged("Q", cstr(sql));
const parse = (name: string, sql: string) => tagged("P", Buffer.concat([cstr(name), cstr(sql), int16(0)]));
const bind = (portal: string, statement: string) =>
  tagged("B", Buffer.concat([cstr(portal), cstr(statement), int16(0), int16(0), int16(0)]));
const describePortal = (name: string) => tagged("D", Buffer.concat([Buffer.from("P"), cstr(name)]));
const executeRows = (portal: string, rows: number) => tagged("E", Buffer.concat([cstr(portal), int32(rows)]));
const sync = () => tagged("S");

/** RowDescription of text columns with these (table OID, attnum) origins. */
function rowDescription(origins: Array<[number, number]>): Buffer {
  return wireRowDescription(
    origins.map(([table, attnum], i) => ({ name: `c${i}`, table, attnum, type: 25 })),
  );
}
