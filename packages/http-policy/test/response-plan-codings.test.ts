import { planResponse } from "@sluice/http-policy/response-plan";
import { compileMasking } from "@sluice/http-policy/value-masking";
import { describe, expect, it } from "vitest";

const KEY = Buffer.alloc(32, 7);

// Content detectors only: text bodies are masked by what the detectors find in them, so a body in
// a coding the gateway does not undo reaches the agent with its values unread.
const DETECTORS = compileMasking(
  [{ name: "ssns", pointer: null, detector: "us_ssn", strategy: "REDACT", keepLast: null, exemptGroups: [] }],
  [],
  KEY,
);

const plan = (rawHeaders: string[]) =>
  planResponse({ method: "GET", status: 200, rawHeaders, masking: DETECTORS });

describe("planResponse: body codings, every header read", () => {
  it("refuses a Content-Encoding sent after an identity one", () => {
    const headers = ["Content-Type", "text/plain", "Content-Encoding", "identity", "Content-Encoding", "br"];
    expect(plan(headers)).toMatchObject({ kind: "refuse", message: expect.stringContaining("br") });
  });

  it("refuses a transfer coding other than chunked (the parser undoes chunked only)", () => {
    for (const value of ["gzip, chunked", "deflate,chunked", "br , chunked"])
      expect(plan(["Content-Type", "text/plain", "Transfer-Encoding", value]), value).toMatchObject({
        kind: "refuse",
        message: expect.stringContaining("Transfer-Encoding"),
      });
    expect(
      plan(["Content-Type", "text/plain", "Transfer-Encoding", "gzip", "Transfer-Encoding", "chunked"]),
    ).toMatchObject({ kind: "refuse" });
  });

  it("relays what it can read: identity, chunked, and both spelled any way", () => {
    for (const headers of [
      ["Content-Type", "text/plain"],
      ["Content-Type", "text/plain", "Content-Encoding", "identity"],
      ["Content-Type", "text/plain", "Content-Encoding", " Identity ", "Content-Encoding", "identity"],
      ["Content-Type", "text/plain", "Transfer-Encoding", "chunked"],
      ["Content-Type", "text/plain", "transfer-encoding", "Chunked"],
    ])
      expect(plan(headers).kind, JSON.stringify(headers)).toBe("relay");
  });
});
