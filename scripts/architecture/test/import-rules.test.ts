import path from "node:path";
import { describe, expect, it } from "vitest";
import { findViolations, type WorkspacePackage } from "../import-rules";
import { readPackages, readSourceFiles } from "../read-workspace";

const wire: WorkspacePackage = {
  name: "@sluice/wire",
  dir: "packages/wire",
  exports: ["./frame-buffer"],
  dependencies: [],
};
const session: WorkspacePackage = {
  name: "@sluice/session",
  dir: "packages/session",
  exports: ["./relay"],
  dependencies: ["@sluice/wire"],
};
const transport: WorkspacePackage = {
  name: "@sluice/transport",
  dir: "packages/transport",
  exports: ["./gateway-server"],
  dependencies: ["@sluice/session", "@sluice/wire"],
};
const PACKAGES = [wire, session, transport];

function violationsOf(file: string, text: string, packages = PACKAGES): string[] {
  return findViolations(packages, [{ path: file, text }]).map((violation) => violation.message);
}

describe("findViolations", () => {
  it("accepts an exported entry point of a declared, lower package", () => {
    expect(
      violationsOf("packages/session/src/a.ts", 'import { x } from "@sluice/wire/frame-buffer";'),
    ).toEqual([]);
    expect(
      violationsOf("packages/transport/src/a.ts", 'import type { R } from "@sluice/session/relay";'),
    ).toEqual([]);
  });

  it("refuses a subpath the package does not export", () => {
    expect(
      violationsOf("packages/transport/src/a.ts", 'import { G } from "@sluice/session/pipeline-gate";'),
    ).toEqual([
      expect.stringContaining("@sluice/session/pipeline-gate, which @sluice/session does not export"),
    ]);
  });

  it("refuses a relative path into another package", () => {
    expect(
      violationsOf("packages/transport/src/a.ts", 'import { G } from "../../session/src/pipeline-gate";'),
    ).toEqual([expect.stringContaining("a file inside @sluice/session")]);
  });

  it("accepts a relative path inside the package and one to the shared test setup", () => {
    expect(violationsOf("packages/session/src/a.ts", 'import { b } from "./deep/../b";')).toEqual([]);
    expect(
      violationsOf("packages/session/test/a.test.ts", 'import { until } from "../../../test/until";'),
    ).toEqual([]);
  });

  it("refuses a source import up the layers, even of an exported entry point", () => {
    const wireDependingUp = { ...wire, dependencies: ["@sluice/session"] };
    expect(
      violationsOf("packages/wire/src/a.ts", 'import { Relay } from "@sluice/session/relay";', [
        wireDependingUp,
        session,
      ]),
    ).toEqual([expect.stringContaining('imports @sluice/session (layer "sessions and reviews")')]);
  });

  it("refuses a package of the same layer", () => {
    const sql: WorkspacePackage = {
      name: "@sluice/sql",
      dir: "packages/sql",
      exports: ["./facts"],
      dependencies: [],
    };
    const masking: WorkspacePackage = {
      name: "@sluice/masking",
      dir: "packages/masking",
      exports: [],
      dependencies: ["@sluice/sql"],
    };
    expect(
      violationsOf("packages/masking/src/a.ts", 'export * from "@sluice/sql/facts";', [sql, masking]),
    ).toEqual([expect.stringContaining("layers import only the layers below them")]);
  });

  it("lets a test compose a higher package it declares, through its exports", () => {
    const wireTesting = { ...wire, dependencies: ["@sluice/session"] };
    const packages = [wireTesting, session];
    expect(
      violationsOf(
        "packages/wire/test/a.test.ts",
        'import { Relay } from "@sluice/session/relay";',
        packages,
      ),
    ).toEqual([]);
  });

  it("refuses a package the importer does not declare", () => {
    expect(
      violationsOf(
        "packages/session/src/a.ts",
        'const t = await import("@sluice/transport/gateway-server");',
      ),
    ).toEqual(
      expect.arrayContaining([expect.stringContaining("does not list in its package.json dependencies")]),
    );
  });

  it("refuses a wildcard export", () => {
    const open = { ...wire, exports: ["./*"] };
    expect(findViolations([open], []).map((violation) => violation.message)).toEqual([
      '@sluice/wire exports "./*": list each public entry point instead of a wildcard',
    ]);
  });

  it("finds nothing in this workspace", () => {
    const root = path.resolve(import.meta.dirname, "../../..");
    expect(findViolations(readPackages(root), readSourceFiles(root))).toEqual([]);
  });
});
