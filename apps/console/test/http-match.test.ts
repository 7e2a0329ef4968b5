import { describe, expect, it } from "vitest";
import {
  describeHttpMatch,
  EMPTY_HTTP_MATCH,
  httpMatchFormOf,
  httpMatchOf,
  isHttpMatch,
} from "../src/app/(console)/http-match";
import { ApiError } from "../src/client/api";

describe("an HTTP match in a form", () => {
  it("becomes the API's match, only with the parts given", () => {
    expect(
      httpMatchOf({
        methods: "post, put",
        path: " /orders/{id}/refund ",
        query: "export=*, limit=10",
        body: '{"$.amount": "*"}',
      }),
    ).toEqual({
      methods: ["POST", "PUT"],
      path: "/orders/{id}/refund",
      query: { export: "*", limit: "10" },
      body: { "$.amount": "*" },
    });
    expect(httpMatchOf({ ...EMPTY_HTTP_MATCH, path: "/admin/**" })).toEqual({ path: "/admin/**" });
  });

  it("reports what it cannot read on the field, without sending anything", () => {
    const error = (() => {
      try {
        httpMatchOf({ methods: "", path: "/x", query: "export", body: "[1]" });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect(Object.keys((error as ApiError).fields).sort()).toEqual(["match.body", "match.query"]);
    expect(() => httpMatchOf({ ...EMPTY_HTTP_MATCH, body: "{not json" })).toThrow(ApiError);
  });

  it("round-trips through the form, so editing a rule keeps its match", () => {
    const match = {
      methods: ["DELETE"],
      path: "/customers/{id}",
      query: { hard: "true" },
      body: { "/a": 1 },
    };
    expect(httpMatchOf(httpMatchFormOf(match))).toEqual(match);
  });

  it("reads as words, and is told apart from a database match", () => {
    expect(
      describeHttpMatch({ methods: ["POST"], path: "/orders/{id}/refund", body: { "$.amount": "*" } }),
    ).toBe("POST /orders/{id}/refund · body $.amount");
    expect(describeHttpMatch({ path: "/admin/**", query: { export: "*" } })).toBe(
      "/admin/** · query export=*",
    );
    expect(isHttpMatch({ path: "/x" })).toBe(true);
    expect(isHttpMatch({ tables: ["public.t"] })).toBe(false);
  });
});
