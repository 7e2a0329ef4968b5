import path from "node:path";
import { LAYERS } from "./layers";

/** One workspace package as its package.json describes it. */
export type WorkspacePackage = {
  name: string;
  /** Relative to the workspace root, without a trailing slash. */
  dir: string;
  /** The keys of its `exports` map. */
  exports: readonly string[];
  /** Every key of `dependencies` and `devDependencies`. */
  dependencies: readonly string[];
};

export type SourceFile = { path: string; text: string };

export type Violation = { file: string; message: string };

const IMPORT_PATTERN = /(?:\bfrom|\bimport|\bimport\(|\bmock\()\s*["']([^"']+)["']/g;
const WORKSPACE_SCOPE = "@sluice/";

/**
 * What breaks the workspace's boundaries: a wildcard export, an import of another package's
 * internals (a subpath it does not export, or a relative path into its directory), an import of a
 * package the importer does not depend on, and a source import that points up the layers.
 */
export function findViolations(
  packages: readonly WorkspacePackage[],
  files: readonly SourceFile[],
): Violation[] {
  const violations: Violation[] = [];
  for (const pkg of packages) {
    for (const key of pkg.exports) {
      if (key.includes("*")) {
        violations.push({
          file: `${pkg.dir}/package.json`,
          message: `${pkg.name} exports "${key}": list each public entry point instead of a wildcard`,
        });
      }
    }
  }
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  for (const file of files) {
    const owner = ownerOf(packages, file.path);
    for (const match of file.text.matchAll(IMPORT_PATTERN)) {
      const specifier = match[1] ?? "";
      if (specifier.startsWith(".")) {
        const target = ownerOf(packages, path.posix.join(path.posix.dirname(file.path), specifier));
        if (owner && target && target !== owner) {
          violations.push({
            file: file.path,
            message: `imports "${specifier}", a file inside ${target.name}: import one of its exports by name`,
          });
        }
        continue;
      }
      if (!specifier.startsWith(WORKSPACE_SCOPE)) continue;
      const [scope, bare, ...rest] = specifier.split("/");
      const name = `${scope}/${bare}`;
      const target = byName.get(name);
      if (!target) {
        violations.push({ file: file.path, message: `imports ${specifier}: no workspace package ${name}` });
        continue;
      }
      const subpath = rest.length === 0 ? "." : `./${rest.join("/")}`;
      if (!target.exports.includes(subpath)) {
        violations.push({
          file: file.path,
          message: `imports ${specifier}, which ${name} does not export: use one of its public entry points, or add "${subpath}" to its exports if it is meant to be public`,
        });
      }
      if (!owner || owner === target) continue;
      if (!owner.dependencies.includes(name)) {
        violations.push({
          file: file.path,
          message: `imports ${name}, which ${owner.name} does not list in its package.json dependencies`,
        });
      }
      if (isTest(file.path)) continue;
      const from = layerOf(owner.name);
      const to = layerOf(name);
      if (from === undefined || to === undefined) {
        const missing = from === undefined ? owner.name : name;
        violations.push({
          file: file.path,
          message: `${missing} is in no layer: add it to scripts/architecture/layers.ts`,
        });
      } else if (to >= from) {
        violations.push({
          file: file.path,
          message: `${owner.name} (layer "${LAYERS[from]?.name}") imports ${name} (layer "${LAYERS[to]?.name}"): layers import only the layers below them`,
        });
      }
    }
  }
  return violations;
}

function ownerOf(packages: readonly WorkspacePackage[], file: string): WorkspacePackage | undefined {
  const normalized = path.posix.normalize(file);
  return packages.find((pkg) => normalized.startsWith(`${pkg.dir}/`));
}

/** Tests compose a package with anything it declares; only its source has to respect the layers. */
function isTest(file: string): boolean {
  return /(^|\/)test\//.test(file) || /\.test\.tsx?$/.test(file);
}

function layerOf(name: string): number | undefined {
  const index = LAYERS.findIndex((layer) => layer.packages.includes(name));
  return index < 0 ? undefined : index;
}
