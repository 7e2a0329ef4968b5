import type { Difference } from "./compare-modes";

export type ModeCount = { name: string; passed: number; total: number };

/** The compatibility section of docs/compatibility.md: counts per mode, then every difference. */
export function renderCompatibility(
  suite: string,
  counts: ModeCount[],
  differences: Difference[],
  command: string,
) {
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\`.`,
    "",
    "| mode | passed | counted |",
    "| --- | --- | --- |",
    ...counts.map((c) => `| ${c.name} | ${c.passed} | ${c.total} |`),
    "",
    `Tests that pass directly but not through Sluice (${differences.length}):`,
    "",
    "| mode | test | error seen through Sluice | classification |",
    "| --- | --- | --- | --- |",
    ...differences.map(
      (d) =>
        `| ${d.mode} | ${cell(d.id)} | ${cell(d.error)} | ${d.expected ? cell(d.expected) : "**not in the allowlist**"} |`,
    ),
  ];
  return `### ${suite}\n\n${lines.join("\n")}\n`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
