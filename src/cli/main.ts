/**
 * The `squeeze` command line: `deno run -A src/cli/main.ts <command> [options]`.
 *
 * @example
 * ```sh
 * deno task train --epochs 15
 * deno run -A src/cli/main.ts inspect runs/lenet-300-100.safetensors
 * ```
 *
 * @module
 */
import { UsageError } from "./args.ts";
import { EVAL_HELP, evalCommand, INSPECT_HELP, inspectCommand } from "./inspect_command.ts";
import { TRAIN_HELP, trainCommand } from "./train_command.ts";
import { CYCLE_HELP, cycleCommand } from "./cycle_command.ts";
import { PRUNE_HELP, pruneCommand } from "./prune_command.ts";
import { MINIMIZE_HELP, minimizeCommand } from "./minimize_command.ts";
import { RELEASE_HELP, releaseCommand } from "./release_command.ts";

const COMMANDS: Record<string, [(args: string[]) => Promise<void>, string]> = {
  train: [trainCommand, TRAIN_HELP],
  cycle: [cycleCommand, CYCLE_HELP],
  prune: [pruneCommand, PRUNE_HELP],
  minimize: [minimizeCommand, MINIMIZE_HELP],
  release: [releaseCommand, RELEASE_HELP],
  eval: [evalCommand, EVAL_HELP],
  inspect: [inspectCommand, INSPECT_HELP],
};

/** Top-level help. */
export const HELP =
  `squeeze — make neural networks physically smaller without changing what they compute

Usage: squeeze <command> [options]     (squeeze <command> --help for details)

Commands:
${
    Object.entries(COMMANDS).map(([k, [, h]]) =>
      `  ${k.padEnd(9)} ${h.split("\n")[0].split(" — ")[1]}`
    ).join("\n")
  }`;

/** Runs the CLI on `args`; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === "-h" || cmd === "--help" || cmd === "help") {
    console.log(HELP);
    return cmd ? 0 : 2;
  }
  const entry = COMMANDS[cmd];
  if (!entry) {
    console.error(`squeeze: unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  }
  try {
    await entry[0](rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`squeeze ${e.message}\nRun "squeeze ${cmd} --help" for usage.`);
      return 2;
    }
    console.error(`squeeze ${cmd}: ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
