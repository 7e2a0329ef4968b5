import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { SourceFile, WorkspacePackage } from "./import-rules";

const PACKAGE_ROOTS = ["apps", "packages"];
/** Where code that imports workspace packages lives, relative to the root. */
const SOURCE_ROOTS = ["apps", "packages", "test", "e2e", "bench", "scripts"];
const SOURCE_FILE = /\.(ts|tsx|mts|mjs|js)$/;
const SKIPPED_DIRS = new Set(["node_modules", ".next", "generated", "build", "dist"]);
/** The checker's own tests, whose fixtures break the rules on purpose. */
const FIXTURE_DIR = "scripts/architecture/test";

/** The workspace's packages, read from their package.json files. */
export function readPackages(root: string): WorkspacePackage[] {
  const packages: WorkspacePackage[] = [];
  for (const base of PACKAGE_ROOTS) {
    for (const entry of readdirSync(path.join(root, base))) {
      const dir = `${base}/${entry}`;
      let manifest: {
        name: string;
        exports?: Record<string, unknown>;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      try {
        manifest = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));
      } catch {
        continue;
      }
      packages.push({
        name: manifest.name,
        dir,
        exports: Object.keys(manifest.exports ?? {}),
        dependencies: [
          ...Object.keys(manifest.dependencies ?? {}),
          ...Object.keys(manifest.devDependencies ?? {}),
        ],
      });
    }
  }
  return packages;
}

/** Every source file under the roots that import workspace packages. */
export function readSourceFiles(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir))) {
      const relative = `${dir}/${entry}`;
      if (SKIPPED_DIRS.has(entry) || relative === FIXTURE_DIR) continue;
      if (statSync(path.join(root, relative)).isDirectory()) walk(relative);
      else if (SOURCE_FILE.test(entry))
        files.push({ path: relative, text: readFileSync(path.join(root, relative), "utf8") });
    }
  };
  for (const base of SOURCE_ROOTS) walk(base);
  return files;
}
