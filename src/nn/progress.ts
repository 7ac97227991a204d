/**
 * Progress reporting for long loops: a redrawn bar on a terminal, plain lines (about
 * every 10%) otherwise, so logs and CI output stay readable.
 *
 * @module
 */

/** Where progress goes. */
export interface ProgressSink {
  /** Writes text without a newline. */
  write(text: string): void;
  /** Whether the sink is an interactive terminal. */
  isTerminal: boolean;
  /** Off a terminal, print only the summary line of each bar (no 10% lines). */
  summaryOnly?: boolean;
}

/**
 * `1 epoch`, `2 epochs`.
 *
 * @example
 * ```ts
 * import { plural } from "./progress.ts";
 * console.assert(plural(1, "epoch") === "1 epoch" && plural(0, "epoch") === "0 epochs");
 * ```
 */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Standard error as a sink (TTY detected). */
export function stderrSink(): ProgressSink {
  const enc = new TextEncoder();
  return {
    write: (t) => Deno.stderr.writeSync(enc.encode(t)),
    isTerminal: Deno.stderr.isTerminal(),
  };
}

/**
 * A progress bar over `total` steps.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "./progress.ts";
 * const lines: string[] = [];
 * const bar = new ProgressBar(10, "epoch 1", { write: (t) => lines.push(t), isTerminal: false });
 * for (let i = 0; i < 10; i++) bar.tick("loss 0.1");
 * bar.done("done");
 * console.assert(lines.length > 0);
 * ```
 */
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #sink: ProgressSink;
  readonly #start = performance.now();
  #n = 0;
  #lastDecile = -1;
  #lastDraw = 0;

  /** A bar labelled `label`. */
  constructor(total: number, label: string, sink: ProgressSink = stderrSink()) {
    this.#total = Math.max(1, total);
    this.#label = label;
    this.#sink = sink;
  }

  /** Advances one step; `info` is shown after the bar. */
  tick(info = ""): void {
    this.#n++;
    const frac = this.#n / this.#total;
    const secs = (performance.now() - this.#start) / 1000;
    const eta = frac > 0 ? secs / frac - secs : 0;
    if (this.#sink.isTerminal) {
      const now = performance.now();
      if (now - this.#lastDraw < 100 && this.#n < this.#total) return;
      this.#lastDraw = now;
      const w = 24, full = Math.round(frac * w);
      const bar = "█".repeat(full) + "░".repeat(w - full);
      this.#sink.write(
        `\r\x1b[2K${this.#label} ${bar} ${this.#n}/${this.#total} ${secs.toFixed(0)}s eta ${
          eta.toFixed(0)
        }s ${info}`,
      );
    } else if (!this.#sink.summaryOnly) {
      const decile = Math.floor(frac * 10);
      if (decile === this.#lastDecile || decile === 0 || decile === 10) return;
      this.#lastDecile = decile;
      this.#sink.write(
        `${this.#label} ${decile * 10}% (${this.#n}/${this.#total}, ${secs.toFixed(1)}s) ${info}\n`,
      );
    }
  }

  /** Ends the bar with a summary line. */
  done(summary: string): void {
    const secs = ((performance.now() - this.#start) / 1000).toFixed(1);
    this.#sink.write(
      `${this.#sink.isTerminal ? "\r\x1b[2K" : ""}${this.#label} ${summary} (${secs}s)\n`,
    );
  }
}
