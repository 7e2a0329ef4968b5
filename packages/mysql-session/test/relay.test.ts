import { PIN_SESSION_SQL } from "@sluice/mysql-sql/pinned-modes";
import { encodeColumnDefinition, FieldType } from "@sluice/mysql-wire/column-definition";
import { encodeOk, parseErr } from "@sluice/mysql-wire/responses";
import { encodeTextRow, parseTextRow } from "@sluice/mysql-wire/rows";
import type { SessionDecisions, Verdict } from "@sluice/policy/verdict";
import { describe, expect, it } from "vitest";
import { MySqlRelay, type RelayAction } from "../src/relay";
import { catalogOf } from "../src/upstream-catalog";

const query = (sql: string) => Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]);

/** The upstream as the catalog read lists it: two tables and a view over one of them. */
const CATALOG = catalogOf(
  [
    { schema: "shop", table: "employees", type: "BASE TABLE" },
    { schema: "shop", table: "departments", type: "BASE TABLE" },
    { schema: "shop", table: "v", type: "VIEW" },
  ],
  Date.now(),
  [],
  [],
  // A read that found no triggers nor computed columns (without this part, writes are refused).
  { triggers: [], columns: [] },
);

function relayWith(verdict: Verdict) {
  const seen: string[] = [];
  const decisions: SessionDecisions = {
    decide: (statement) => {
      seen.push(statement.sql);
      return verdict;
    },
    version: () => 0,
  };
  const relay = new MySqlRelay({
    decisions,
    maskingRules: () => [
      {
        name: "mask-email",
        selector: "*.employees.email",
        detector: null,
        strategy: "REDACT",
        keepLast: null,
        exemptGroups: ["hr"],
      },
    ],
    groups: ["analysts"],
    hashKey: Buffer.alloc(32),
    catalog: { current: () => CATALOG, isCurrent: async () => true, refresh: async () => CATALOG },
    isDeprecateEof: true,
  });
  return { relay, seen };
}

/** The upstream's answer to a one-column query: column count, its definition, one row, EOF. */
async function oneColumnAnswer(relay: MySqlRelay, sql: string, definition: Buffer, value: string) {
  await relay.onClientPacket(0, query(sql), Buffer.alloc(0));
  const packets = [
    Buffer.from([0x01]),
    definition,
    encodeTextRow([Buffer.from(value)]),
    encodeOk({ status: 2 }, 0xfe),
  ];
  const out = packets.flatMap((payload, index) => toClient(relay.onUpstreamPacket(index + 1, payload)));
  return parseTextRow(out[2]?.payload as Buffer, 1)[0]?.toString();
}

const column = (name: string, orgTable: string, orgName: string) =>
  encodeColumnDefinition({
    catalog: "def",
    schema: "shop",
    table: orgTable,
    orgTable,
    name,
    orgName,
    charset: 45,
    length: 100,
    type: FieldType.VarString,
    flags: 0,
    decimals: 0,
  });

const toClient = (actions: RelayAction[]) =>
  actions.filter((a): a is Extract<RelayAction, { kind: "to-client" }> => a.kind === "to-client");

describe("MySqlRelay", () => {
  it("answers a denied COM_QUERY with Sluice's ERR and sends nothing upstream", async () => {
    const { relay } = relayWith({ kind: "deny", rule: "r", message: "blocked by rule r" });
    const actions = await relay.onClientPacket(0, query("DELETE FROM t"), Buffer.alloc(0));
    expect(actions.some((a) => a.kind === "to-upstream")).toBe(false);
    const [err] = toClient(actions);
    expect(err?.sequenceId).toBe(1);
    expect(parseErr(err?.payload as Buffer)).toEqual({
      code: 1227,
      sqlState: "42000",
      message: "blocked by rule r",
    });
    expect(relay.isBusy).toBe(false);
  });

  it("forwards an allowed query and masks its rows by column origin", async () => {
    const { relay } = relayWith({
      kind: "allow",
      maskedTables: ["shop.employees"],
      relations: [["shop.employees"]],
    });
    const raw = Buffer.from("raw-bytes");
    expect(await relay.onClientPacket(0, query("SELECT name, email FROM employees"), raw)).toEqual([
      { kind: "to-upstream", raw },
    ]);
    const packets = [
      Buffer.from([0x02]),
      column("name", "employees", "name"),
      column("email", "employees", "email"),
      encodeTextRow([Buffer.from("Ada"), Buffer.from("ada@example.com")]),
      encodeOk({ status: 2 }, 0xfe),
    ];
    const out = packets.flatMap((payload, index) => toClient(relay.onUpstreamPacket(index + 1, payload)));
    expect(out.map((a) => a.sequenceId)).toEqual([1, 2, 3, 4, 5]);
    expect(parseTextRow(out[3]?.payload as Buffer, 2).map((v) => v?.toString())).toEqual([
      "Ada",
      "[REDACTED]",
    ]);
    expect(relay.isBusy).toBe(false);
  });

  it("redacts a view's column: the server names the view, not the masked table under it", async () => {
    const { relay } = relayWith({ kind: "allow", maskedTables: [], relations: [["shop.v"]] });
    const value = await oneColumnAnswer(
      relay,
      "SELECT contact FROM v",
      column("contact", "v", "contact"),
      "ada@x",
    );
    expect(value).toBe("[REDACTED]");
  });

  it("redacts a derived table's column that borrowed a real table's name", async () => {
    const { relay } = relayWith({
      kind: "allow",
      maskedTables: ["shop.employees"],
      relations: [["shop.employees"]],
    });
    const value = await oneColumnAnswer(
      relay,
      "SELECT name FROM (SELECT email AS name FROM employees) AS departments",
      column("name", "departments", "name"),
      "ada@x",
    );
    expect(value).toBe("[REDACTED]");
  });

  it("leaves a stored table's column in clear when nothing masked is read", async () => {
    const { relay } = relayWith({ kind: "allow", maskedTables: [], relations: [["shop.departments"]] });
    const value = await oneColumnAnswer(
      relay,
      "SELECT name FROM departments",
      column("name", "departments", "name"),
      "eng",
    );
    expect(value).toBe("eng");
  });

  it("refuses keeping values of a view in a user variable", async () => {
    const { relay } = relayWith({ kind: "allow", maskedTables: [], relations: [["shop.v"]] });
    const actions = await relay.onClientPacket(0, query("SELECT contact INTO @c FROM v"), Buffer.alloc(0));
    expect(actions.some((a) => a.kind === "to-upstream")).toBe(false);
    expect(parseErr(toClient(actions)[0]?.payload as Buffer).message).toMatch(/unmaskable-channel/);
  });

  it("judges COM_INIT_DB as the USE it is", async () => {
    const { relay, seen } = relayWith({ kind: "allow" });
    await relay.onClientPacket(
      0,
      Buffer.concat([Buffer.from([0x02]), Buffer.from("we`ird")]),
      Buffer.alloc(0),
    );
    expect(seen).toEqual(["USE `we``ird`"]);
  });

  it("refuses COM_CHANGE_USER with a reason and closes the client", async () => {
    const { relay } = relayWith({ kind: "allow" });
    const actions = await relay.onClientPacket(0, Buffer.from([0x11, 0x61, 0]), Buffer.alloc(0));
    expect(actions.some((a) => a.kind === "to-upstream")).toBe(false);
    expect(parseErr(toClient(actions)[0]?.payload as Buffer).message).toMatch(/COM_CHANGE_USER is refused/);
    expect(actions.at(-1)?.kind).toBe("close");
  });

  it("closes the client on a command it does not support", async () => {
    const { relay } = relayWith({ kind: "allow" });
    const actions = await relay.onClientPacket(0, Buffer.from([0x12, 0, 0, 0, 0]), Buffer.alloc(0));
    expect(parseErr(toClient(actions)[0]?.payload as Buffer).message).toMatch(
      /command 0x12 is not supported/,
    );
    expect(actions.at(-1)?.kind).toBe("close");
  });

  it("answers COM_RESET_CONNECTION only after the modes are pinned again, and refuses unknown executes", async () => {
    const { relay } = relayWith({ kind: "allow" });
    const raw = Buffer.from([1, 0, 0, 0, 0x1f]);
    expect(await relay.onClientPacket(0, Buffer.from([0x1f]), raw)).toEqual([{ kind: "to-upstream", raw }]);
    // Nothing of the client's may reach the server before the pin.
    const early = await relay.onClientPacket(0, Buffer.from([0x0e]), Buffer.from([1, 0, 0, 0, 0x0e]));
    expect(early.at(-1)?.kind).toBe("close");
  });

  it("forwards the pinning statement after the server's reset OK, then answers the client", async () => {
    const { relay } = relayWith({ kind: "allow" });
    await relay.onClientPacket(0, Buffer.from([0x1f]), Buffer.alloc(0));
    const pin = relay.onUpstreamPacket(1, encodeOk({ status: 2 }));
    expect(pin).toHaveLength(1);
    expect(pin[0]?.kind === "to-upstream" ? pin[0].raw.subarray(5).toString() : "").toBe(PIN_SESSION_SQL);
    expect(relay.isBusy).toBe(true);
    expect(toClient(relay.onUpstreamPacket(1, encodeOk({ status: 2 })))).toEqual([
      { kind: "to-client", sequenceId: 1, payload: encodeOk({ status: 2 }) },
    ]);
    expect(relay.isBusy).toBe(false);
    const execute = await relay.onClientPacket(
      0,
      Buffer.from([0x17, 9, 0, 0, 0, 0, 1, 0, 0, 0]),
      Buffer.alloc(0),
    );
    expect(parseErr(toClient(execute)[0]?.payload as Buffer).code).toBe(1243);
  });
});

describe("MySqlRelay review holds", () => {
  it("waits for a held statement's release and then forwards it", async () => {
    let release: (verdict: Verdict) => void = () => {};
    const held: Verdict = {
      kind: "hold",
      rule: "review-deletes",
      message: "needs approval",
      release: new Promise((resolve) => {
        release = resolve;
      }),
    };
    const { relay } = relayWith(held);
    const raw = Buffer.from("delete-bytes");
    const pending = relay.onClientPacket(0, query("DELETE FROM t WHERE id = 1"), raw);
    let isSettled = false;
    void pending.then(() => {
      isSettled = true;
    });
    await Promise.resolve();
    expect(isSettled).toBe(false);
    release({ kind: "allow" });
    expect(await pending).toEqual([{ kind: "to-upstream", raw }]);
  });

  it("answers a held statement that is refused with Sluice's ERR", async () => {
    const held: Verdict = {
      kind: "hold",
      rule: "review-deletes",
      message: "needs approval",
      release: Promise.resolve({ kind: "deny", rule: "review-deletes", message: "rejected by a reviewer" }),
    };
    const { relay } = relayWith(held);
    const actions = await relay.onClientPacket(0, query("DELETE FROM t WHERE id = 1"), Buffer.alloc(0));
    expect(parseErr(toClient(actions)[0]?.payload as Buffer).message).toBe("rejected by a reviewer");
  });
});

describe("MySqlRelay: a held statement when the session ends", () => {
  function heldVerdict() {
    const withdrawn: string[] = [];
    let release: (verdict: Verdict) => void = () => {};
    const verdict: Verdict = {
      kind: "hold",
      rule: "review-deletes",
      message: "needs approval",
      release: new Promise((resolve) => {
        release = resolve;
      }),
      withdraw: (reason) => {
        withdrawn.push(reason);
        release({ kind: "deny", rule: "review-deletes", message: reason });
      },
    };
    return { verdict, withdrawn };
  }

  it("is withdrawn when the client leaves while it waits", async () => {
    const { verdict, withdrawn } = heldVerdict();
    const { relay } = relayWith(verdict);
    const pending = relay.onClientPacket(0, query("DELETE FROM t WHERE id = 1"), Buffer.from("raw"));
    await new Promise((resolve) => setImmediate(resolve));
    relay.end("the client disconnected");
    expect(withdrawn).toEqual(["the client disconnected"]);
    // Nothing goes upstream: the statement is refused with the reason.
    expect(toClient(await pending)).toHaveLength(1);
  });

  it("is withdrawn as it comes when the session ended while it was being written", async () => {
    const { verdict, withdrawn } = heldVerdict();
    const { relay } = relayWith(verdict);
    relay.end("the client disconnected");
    const actions = await relay.onClientPacket(0, query("DELETE FROM t WHERE id = 1"), Buffer.from("raw"));
    expect(withdrawn).toEqual(["the client disconnected"]);
    expect(actions.some((action) => action.kind === "to-upstream")).toBe(false);
  });
});
