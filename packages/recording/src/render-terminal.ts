import type { RecordingEvent } from "./events";

/** One piece of terminal output at a moment of the session, with what it marks on the seek bar. */
export type Frame = {
  t: number;
  text: string;
  marker?: "denied" | "held" | "masked" | "statement";
  statement?: number;
};

const RESET = "\x1b[0m";
const RED = "\x1b[31m";
const YELLOW = "\x1b[33m";
const CYAN = "\x1b[36m";
const DIM = "\x1b[2m";
const BOLD = "\x1b[1m";
/** psql-like output wraps long cells; the replay cuts them so a table stays a table. */
const MAX_CELL = 40;

/**
 * Renders a session's events as a psql-like terminal (CRLF line ends for xterm and asciicast):
 * the prompt and statement, result tables, errors in red, and Sluice's verdicts annotated.
 */
export function renderFrames(events: readonly RecordingEvent[]): Frame[] {
  const frames: Frame[] = [];
  let connection = "db";
  let columns: string[] = [];
  let rows: (string | null)[][] = [];
  const line = (text: string) => `${text}\r\n`;
  for (const raw of events) {
    const event = visibleEvent(raw);
    switch (event.type) {
      case "connect":
        connection = event.connection;
        frames.push({
          t: event.t,
          text: line(
            `${DIM}-- ${event.agent} (${event.groups.join(", ") || "no groups"}) connected to ${event.connection} from ${event.clientAddress}${event.isTls ? " over TLS" : ""}${RESET}`,
          ),
        });
        break;
      case "statement":
        frames.push({
          t: event.t,
          text: line(`${BOLD}${connection}=>${RESET} ${event.sql.replace(/\r?\n/g, "\r\n")}`),
          marker: "statement",
          statement: event.n,
        });
        break;
      case "verdict":
        if (event.kind === "deny") {
          frames.push({
            t: event.t,
            text: line(`${YELLOW}-- sluice: denied by ${event.rule}${RESET}`),
            marker: "denied",
            statement: event.n,
          });
        } else if (event.kind === "hold") {
          frames.push({
            t: event.t,
            text: line(`${CYAN}-- sluice: held for review (${event.rule}): ${event.message ?? ""}${RESET}`),
            marker: "held",
            statement: event.n,
          });
        } else if (event.message) {
          frames.push({
            t: event.t,
            text: line(`${CYAN}-- sluice: ${event.message}${RESET}`),
            statement: event.n,
          });
        }
        if (event.kind === "allow" && event.maskedTables?.length) {
          frames.push({
            t: event.t,
            text: line(`${CYAN}-- sluice: masking applies to ${event.maskedTables.join(", ")}${RESET}`),
            marker: "masked",
            statement: event.n,
          });
        }
        break;
      case "columns":
        columns = event.names;
        rows = [];
        break;
      case "row":
        rows.push(event.values);
        break;
      case "complete": {
        const table = columns.length > 0 ? renderTable(columns, rows) : "";
        const count = columns.length > 0 ? `(${event.rows} row${event.rows === 1 ? "" : "s"})` : event.tag;
        const truncated =
          event.truncatedRows > 0
            ? line(
                `${DIM}-- ${event.truncatedRows} more rows were returned but not recorded (per-statement cap)${RESET}`,
              )
            : "";
        frames.push({ t: event.t, text: `${table}${line(count)}${truncated}` });
        columns = [];
        rows = [];
        break;
      }
      case "error":
        frames.push({ t: event.t, text: line(`${RED}${event.severity}:  ${event.message}${RESET}`) });
        break;
      case "notice":
        frames.push({ t: event.t, text: line(`NOTICE:  ${event.message}`) });
        break;
      case "parameter":
        frames.push({
          t: event.t,
          text: line(
            `-- parameter ${event.index} of statement ${event.statement}: ${event.value === null ? `${event.bytes} bytes, redacted` : JSON.stringify(event.value)}`,
          ),
        });
        break;
      case "ready":
        frames.push({ t: event.t, text: line("") });
        break;
      case "http-request":
        frames.push({
          t: event.t,
          text: `${line(`${BOLD}${connection}>${RESET} ${event.method} ${event.target}`)}${event.body ? line(crlf(event.body)) : ""}`,
          marker: "statement",
          statement: event.n,
        });
        break;
      case "http-response": {
        const shown =
          event.body.length < event.bodyBytes ? `${DIM}… (${event.bodyBytes} bytes in all)${RESET}` : "";
        frames.push({
          t: event.t,
          text: [
            line(
              `${event.status >= 400 ? RED : DIM}HTTP ${event.status}${event.contentType ? ` ${event.contentType}` : ""}${RESET}`,
            ),
            event.body ? line(crlf(event.body)) : "",
            shown ? line(shown) : "",
            event.cut ? line(`${YELLOW}-- sluice: the response was cut: ${event.cut}${RESET}`) : "",
            line(""),
          ].join(""),
        });
        break;
      }
      case "end":
        frames.push({ t: event.t, text: line(`${DIM}-- session ended: ${event.reason}${RESET}`) });
        break;
    }
  }
  return frames;
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

function renderTable(columns: string[], rows: (string | null)[][]): string {
  const cell = (value: string | null) => {
    const text = value === null ? "" : value.replace(/[\r\n\t]/g, " ");
    return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
  };
  const cells = rows.map((row) => columns.map((_, index) => cell(row[index] ?? null)));
  const widths = columns.map((name, index) =>
    Math.max(name.length, ...cells.map((row) => row[index]?.length ?? 0)),
  );
  const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - text.length));
  const out = [
    ` ${columns.map((name, index) => pad(name, widths[index] ?? 0)).join(" | ")}`,
    widths.map((width) => "-".repeat(width + 2)).join("+"),
    ...cells.map((row) => ` ${row.map((text, index) => pad(text, widths[index] ?? 0)).join(" | ")}`),
  ];
  return out.map((text) => `${text}\r\n`).join("");
}

/** Control characters other than tab and newline: shown escaped, never interpreted by the terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not reach xterm
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Every string an agent or the upstream supplied (SQL, values, messages, names), with control
 * characters escaped: a recorded escape sequence must not rewrite what the auditor sees.
 */
function visibleEvent(event: RecordingEvent): RecordingEvent {
  const visible = (value: unknown): unknown => {
    if (typeof value === "string")
      return value.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`);
    if (Array.isArray(value)) return value.map(visible);
    return value;
  };
  return Object.fromEntries(
    Object.entries(event).map(([key, value]) => [key, visible(value)]),
  ) as RecordingEvent;
}
