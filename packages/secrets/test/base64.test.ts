import { describe, expect, it } from "vitest";
import { decodeBase64Strict } from "../src/base64";

describe("decodeBase64Strict", () => {
  it.each([
    ["", ""],
    ["YQ==", "a"],
    ["YWI=", "ab"],
    ["YWJj", "abc"],
  ])("decodes %j", (text, expected) => {
    expect(decodeBase64Strict(text)?.toString()).toBe(expected);
  });

  it.each(["YQ", "YQ=", "Y", "Y===", "YW Jj", "YW*j", "YWJj\n", "YQ==YQ==", "-_-_"])(
    "refuses %j, which Buffer.from would have decoded anyway",
    (text) => {
      expect(decodeBase64Strict(text)).toBeNull();
    },
  );
});
