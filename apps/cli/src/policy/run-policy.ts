import { readFileSync, writeFileSync } from "node:fs";
import { applyPolicy } from "@sluice/db/policy/apply-policy";
import { exportPolicy } from "@sluice/db/policy/export-policy";
import { describeNeverMatchingRule, findNeverMatchingRules } from "@sluice/db/policy/never-matching-rules";
import { createPrisma } from "@sluice/db/prisma";
import { type PolicyFile, policyJsonSchema } from "@sluice/policy/policy-file";
import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { writePolicyFile } from "@sluice/policy/write-policy-file";
import type { Env } from "../env";
import { printJson } from "../output";
import { loadSecretKey } from "../start/secret-key";
import { resolveStoreUrl } from "../store-url";

export const POLICY_USAGE = `usage: sluice policy apply -f FILE [--dry-run] [--json] | export [-o FILE] [--json] | schema`;

/** `sluice policy …`: returns the exit code. */
export async function runPolicy(env: Env, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const option = (flag: string) => {
    const at = rest.indexOf(flag);
    return at >= 0 ? rest[at + 1] : undefined;
  };
  if (verb === "schema") {
    console.log(JSON.stringify(policyJsonSchema(), null, 2));
    return 0;
  }
  if (verb === "apply") {
    const file = option("-f");
    if (!file) {
      console.error(POLICY_USAGE);
      return 2;
    }
    const read = readPolicyFile(readFileSync(file, "utf8"));
    if (!read.ok) {
      for (const error of read.errors)
        console.error(`${file}:${error.line}:${error.column}: ${error.message}`);
      console.error(`${file}: refused, nothing applied`);
      return 1;
    }
    const prisma = createPrisma(resolveStoreUrl(env));
    const isDryRun = rest.includes("--dry-run");
    try {
      const summary = await applyPolicy(prisma, {
        policy: read.policy,
        secretKey: loadSecretKey(env.SLUICE_HOME, env.SLUICE_SECRET_KEY),
        env: passwordVariables(env, read.policy),
        isDryRun,
      });
      for (const warning of summary.warnings) console.error(`warning: ${warning}`);
      if (rest.includes("--json")) printJson({ ...summary, isDryRun });
      else
        console.error(
          `${isDryRun ? "would apply (dry run, nothing written)" : "applied"} ${file}: ${summary.connections} connections, ${summary.agents} agents, ${summary.rules} rules`,
        );
      return 0;
    } finally {
      await prisma.$disconnect();
    }
  }
  if (verb === "export") {
    const prisma = createPrisma(resolveStoreUrl(env));
    try {
      const policy = await exportPolicy(prisma);
      // Rules stored before such patterns were refused: listed as active, they never fire, and
      // `apply` refuses this file until they are fixed or removed.
      for (const rule of await findNeverMatchingRules(prisma))
        console.error(`warning: ${describeNeverMatchingRule(rule)}`);
      const text = rest.includes("--json")
        ? `${JSON.stringify(policy, null, 2)}\n`
        : `# Sluice policy, exported ${new Date().toISOString()}\n${writePolicyFile(policy)}`;
      const out = option("-o");
      if (out) writeFileSync(out, text);
      else process.stdout.write(text);
      return 0;
    } finally {
      await prisma.$disconnect();
    }
  }
  console.error(POLICY_USAGE);
  return 2;
}

/** Only the variables the file names as passwords, read through the env module. */
function passwordVariables(env: Env, policy: PolicyFile): Record<string, string | undefined> {
  const names = policy.connections.flatMap((connection) =>
    connection.passwordEnv ? [connection.passwordEnv] : [],
  );
  return Object.fromEntries(names.map((name) => [name, env.variable(name)]));
}
