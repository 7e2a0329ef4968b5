import { existsSync, readFileSync, writeFileSync } from "node:fs";

const INTRO = `# Benchmarks

Measured by the scripts in \`bench/\`, side by side in one run, on the machine named in each section.
These machines are shared and noisy: read the ratios, not the absolute numbers.
`;

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`, appending the section if new. */
export function writeSection(file: string, name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const current = existsSync(file) ? readFileSync(file, "utf8") : INTRO;
  const section = `${start}\n${body.trim()}\n${end}`;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + section + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

export function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}
