import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export type MariadbCliTarget = {
  port: number;
  user: string;
  password: string;
  database: string;
  /** TLS verified against this CA; null logs in without TLS (`--skip-ssl`). */
  caFile: string | null;
  /** Extra client options, e.g. `--default-auth=mysql_clear_password`. */
  options?: string[];
};

/**
 * One statement through the real `mariadb` client (Connector/C, strict about the wire), in batch
 * mode without column names: what it printed, or the error it printed when it failed.
 */
export function mariadbCli(
  target: MariadbCliTarget,
  statement: string,
): Promise<{ stdout?: string; stderr?: string }> {
  const args = ["--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", String(target.port)];
  args.push("-u", target.user, `-p${target.password}`, ...(target.options ?? []));
  args.push(...(target.caFile === null ? ["--skip-ssl"] : ["--ssl", `--ssl-ca=${target.caFile}`]));
  args.push("--batch", "--skip-column-names", target.database, "-e", statement);
  return execFileAsync("mariadb", args).then(
    ({ stdout }) => ({ stdout }),
    (error: { stderr: string }) => ({ stderr: error.stderr }),
  );
}

/** The agent's login to a gateway harness's MySQL listener (TLS checked against its CA, when it has one). */
export function gatewayMariadbTarget(
  harness: {
    gateway: { mysqlPort?: number | null };
    agent: { name: string };
    token: string;
    caFile: string | null;
  },
  database: string,
): MariadbCliTarget {
  return {
    port: harness.gateway.mysqlPort as number,
    user: harness.agent.name,
    password: harness.token,
    database,
    caFile: harness.caFile,
  };
}
