import type { FitAddon } from "@xterm/addon-fit";
import type { SearchAddon } from "@xterm/addon-search";
import type { Terminal } from "@xterm/xterm";

export type PlayerTerminal = { term: Terminal; fit: FitAddon; search: SearchAddon };

/** Search matches are highlighted in the terminal itself, the current one stronger than the rest. */
export const SEARCH_DECORATIONS = {
  matchBackground: "#854d0e",
  matchOverviewRuler: "#facc15",
  activeMatchBackground: "#facc15",
  activeMatchColorOverviewRuler: "#f97316",
};

/**
 * An xterm.js terminal sized to its panel (FitAddon, refitted when the panel resizes) with the
 * search addon, loaded lazily: xterm touches the DOM and only runs in the browser.
 */
export async function openPlayerTerminal(
  host: HTMLElement,
): Promise<PlayerTerminal & { dispose: () => void }> {
  const [{ Terminal }, { FitAddon }, { SearchAddon }] = await Promise.all([
    import("@xterm/xterm"),
    import("@xterm/addon-fit"),
    import("@xterm/addon-search"),
  ]);
  const term = new Terminal({
    rows: 30,
    disableStdin: true,
    scrollback: 50_000,
    fontSize: 13,
    convertEol: false,
    // Search decorations use xterm's decoration API, still marked proposed.
    allowProposedApi: true,
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.open(host);
  fit.fit();
  const observer = new ResizeObserver(() => fit.fit());
  observer.observe(host);
  return {
    term,
    fit,
    search,
    dispose: () => {
      observer.disconnect();
      term.dispose();
    },
  };
}
