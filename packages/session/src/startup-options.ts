/**
 * The `options` startup parameter read as the server reads it: split into arguments by
 * pg_split_opts (whitespace separates, a backslash makes the next character literal), then each
 * argument taken as a server switch. Only the two spellings of "set this setting" are understood:
 * `-c name=value` (or `-cname=value`) and `--name=value`; a dash in a name is an underscore, as
 * ParseLongOption makes it. Anything else (other switches, clustered flags, a bare `--`) is
 * reported as not understood, and the caller refuses it.
 * @see https://github.com/postgres/postgres/blob/master/src/backend/utils/init/postinit.c (pg_split_opts)
 * @see https://github.com/postgres/postgres/blob/master/src/backend/tcop/postgres.c (process_postgres_switches)
 */

export type StartupOption = { name: string; value: string };

export type ParsedOptions = { ok: true; settings: StartupOption[] } | { ok: false; argument: string };

/** isspace() in the C locale, which is what pg_split_opts uses. */
const C_SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);

export function splitOptions(options: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < options.length) {
    while (i < options.length && C_SPACE.has(options[i] as string)) i++;
    if (i >= options.length) break;
    let arg = "";
    let isEscaped = false;
    for (; i < options.length; i++) {
      const ch = options[i] as string;
      if (C_SPACE.has(ch) && !isEscaped) break;
      if (!isEscaped && ch === "\\") isEscaped = true;
      else {
        isEscaped = false;
        arg += ch;
      }
    }
    args.push(arg);
  }
  return args;
}

export function parseStartupOptions(options: string): ParsedOptions {
  const args = splitOptions(options);
  const settings: StartupOption[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    let assignment: string | undefined;
    if (arg === "-c") assignment = args[++i];
    else if (arg.startsWith("-c")) assignment = arg.slice(2);
    else if (arg.startsWith("--") && arg.length > 2) assignment = arg.slice(2);
    const setting = assignment === undefined ? null : parseAssignment(assignment);
    if (!setting) return { ok: false, argument: arg };
    settings.push(setting);
  }
  return { ok: true, settings };
}

/** ParseLongOption: the name up to the first '=', dashes read as underscores; a value is required. */
function parseAssignment(assignment: string): StartupOption | null {
  const equals = assignment.indexOf("=");
  if (equals <= 0) return null;
  return { name: assignment.slice(0, equals).replaceAll("-", "_"), value: assignment.slice(equals + 1) };
}

/** Writes settings back as an `options` value the server splits into exactly these arguments. */
export function formatStartupOptions(settings: readonly StartupOption[]): string {
  const escaped = (text: string) => text.replace(/[\\ \t\n\v\f\r]/g, (ch) => `\\${ch}`);
  return settings.map(({ name, value }) => `-c ${escaped(`${name}=${value}`)}`).join(" ");
}
