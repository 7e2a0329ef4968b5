import { createUpstreamReset, UpstreamResetFailed } from "@sluice/session/upstream-reset";
import { commandComplete, errorResponse, parameterStatus, readyForQuery } from "@sluice/wire/server-messages";
import { describe, expect, it } from "vitest";

/** A DataRow of text values, built here byte by byte. */
function dataRow(values: string[]): Buffer {
  const parts = values.map((value) => {
    const bytes = Buffer.from(value);
    const length = Buffer.alloc(4);
    length.writeInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  });
  const count = Buffer.alloc(2);
  count.writeInt16BE(values.length);
  const body = Buffer.concat([count, ...parts]);
  const header = Buffer.alloc(5);
  header[0] = 0x44;
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const rowDescription = () => Buffer.from([0x54, 0, 0, 0, 6, 0, 0]);

/** Feeds whole messages to the reset; returns its outcome (or throws what it throws). */
function run(messages: Buffer[], user = "app") {
  const reset = createUpstreamReset(user);
  let outcome = null;
  for (const raw of messages) outcome = reset.handle(raw[0] as number, raw.subarray(5), raw) ?? outcome;
  return outcome;
}

const CLEAN = ["app", "app", "0", "0", "0", "0", "0", "hr, public"];

describe("upstream reset", () => {
  it("sends DISCARD ALL and the check together", () => {
    const request = createUpstreamReset("app").request().toString("latin1");
    expect(request).toContain("DISCARD ALL");
    expect(request).toContain("pg_my_temp_schema");
  });

  it("succeeds on the clean answer and keeps the settings the server reported", () => {
    const reported = parameterStatus("application_name", "");
    const outcome = run([
      reported,
      commandComplete("DISCARD ALL"),
      readyForQuery("I"),
      rowDescription(),
      dataRow(CLEAN),
      commandComplete("SELECT 1"),
      readyForQuery("I"),
    ]);
    // The path read back is the default the next session starts with (servers before 18 never report it).
    expect(outcome).toEqual({ parameterStatus: [reported], searchPath: "hr, public" });
  });

  it.each([
    ["another role still set", ["other", "app", "0", "0", "0", "0", "0", "public"], /current_user/],
    ["an advisory lock still held", ["app", "app", "1", "0", "0", "0", "0", "public"], /advisory locks/],
    ["a channel still listened to", ["app", "app", "0", "1", "0", "0", "0", "public"], /LISTEN/],
    ["a temporary table left", ["app", "app", "0", "0", "0", "0", "2", "public"], /temporary relations/],
  ])("fails when the check shows %s", (_, row, reason) => {
    expect(() =>
      run([
        commandComplete("DISCARD ALL"),
        readyForQuery("I"),
        rowDescription(),
        dataRow(row),
        readyForQuery("I"),
      ]),
    ).toThrow(reason);
  });

  it("fails on an error (DISCARD ALL inside a transaction block) and on a transaction left open", () => {
    expect(() =>
      run([
        errorResponse({ severity: "ERROR", code: "25001", message: "cannot run inside a transaction block" }),
      ]),
    ).toThrow(UpstreamResetFailed);
    expect(() => run([commandComplete("DISCARD ALL"), readyForQuery("T")])).toThrow(
      /transaction is still open/,
    );
  });

  it("fails when DISCARD ALL did not run", () => {
    expect(() => run([commandComplete("SELECT 1"), readyForQuery("I")])).toThrow(
      /DISCARD ALL did not complete/,
    );
  });
});
