/** Test helper: runs the CLI in this process, capturing what it prints. */
import { main } from "../../src/cli/main.ts";

/** Exit code and console output of one CLI run. */
export interface CliRun {
  /** Exit code. */
  code: number;
  /** Lines printed with console.log. */
  out: string;
  /** Lines printed with console.error. */
  err: string;
}

/** Runs `squeeze <args>` in this process. */
export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}
