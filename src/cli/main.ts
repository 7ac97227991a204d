/**
 * The `squeeze` command line: `deno run --allow-read --allow-write src/cli/main.ts
 * <command> [options]` (the README lists the least permissions of each command).
 *
 * @example
 * ```sh
 * deno task train --epochs 15
 * deno run --allow-read src/cli/main.ts inspect runs/mlp-784-300-100-10-s0.safetensors
 * ```
 *
 * @module
 */
import { type OptionSpec, UsageError } from "./args.ts";
import {
  EVAL_HELP,
  EVAL_OPTIONS,
  evalCommand,
  INSPECT_HELP,
  INSPECT_OPTIONS,
  inspectCommand,
} from "./inspect_command.ts";
import { TRAIN_HELP, TRAIN_OPTIONS, trainCommand } from "./train_command.ts";
import { CYCLE_HELP, CYCLE_OPTIONS, cycleCommand } from "./cycle_command.ts";
import { PRUNE_HELP, PRUNE_OPTIONS, pruneCommand } from "./prune_command.ts";
import { FINETUNE_HELP, FINETUNE_OPTIONS, finetuneCommand } from "./finetune_command.ts";
import { MINIMIZE_HELP, MINIMIZE_OPTIONS, minimizeCommand } from "./minimize_command.ts";
import { RELEASE_HELP, RELEASE_OPTIONS, releaseCommand } from "./release_command.ts";
import { SHRINK_HELP, SHRINK_OPTIONS, shrinkCommand } from "./shrink_command.ts";
import { EXPORT_HELP, EXPORT_OPTIONS, exportCommand } from "./export_command.ts";

/** A command: what it runs, its help text and its flags. */
export interface Command {
  /** Runs the command on its arguments. */
  run: (args: string[]) => Promise<void>;
  /** Its `--help` text; the first line is `squeeze NAME — summary`. */
  help: string;
  /** Its flags. */
  options: OptionSpec;
}

/** Every command, in the order the help lists them. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  train: { run: trainCommand, help: TRAIN_HELP, options: TRAIN_OPTIONS },
  cycle: { run: cycleCommand, help: CYCLE_HELP, options: CYCLE_OPTIONS },
  prune: { run: pruneCommand, help: PRUNE_HELP, options: PRUNE_OPTIONS },
  finetune: { run: finetuneCommand, help: FINETUNE_HELP, options: FINETUNE_OPTIONS },
  minimize: { run: minimizeCommand, help: MINIMIZE_HELP, options: MINIMIZE_OPTIONS },
  release: { run: releaseCommand, help: RELEASE_HELP, options: RELEASE_OPTIONS },
  shrink: { run: shrinkCommand, help: SHRINK_HELP, options: SHRINK_OPTIONS },
  export: { run: exportCommand, help: EXPORT_HELP, options: EXPORT_OPTIONS },
  eval: { run: evalCommand, help: EVAL_HELP, options: EVAL_OPTIONS },
  inspect: { run: inspectCommand, help: INSPECT_HELP, options: INSPECT_OPTIONS },
};

/** Top-level help. */
export const HELP =
  `squeeze — make neural networks physically smaller without changing what they compute

Usage: squeeze <command> [options]     (squeeze <command> --help, or squeeze help <command>)

Commands:
${
    Object.entries(COMMANDS).map(([k, c]) =>
      `  ${k.padEnd(9)} ${c.help.split("\n")[0].split(" — ")[1]}`
    ).join("\n")
  }
  help      this text, or a command's help: squeeze help prune

A first pipeline: train → prune → finetune → minimize (see the README).`;

/** Runs the CLI on `args`; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === "-h" || cmd === "--help" || (cmd === "help" && rest.length === 0)) {
    console.log(HELP);
    return cmd ? 0 : 2;
  }
  if (cmd === "help") {
    const entry = COMMANDS[rest[0]];
    if (!entry || rest.length > 1) {
      console.error(`squeeze help: unknown command "${rest.join(" ")}"\n\n${HELP}`);
      return 2;
    }
    console.log(entry.help);
    return 0;
  }
  const entry = COMMANDS[cmd];
  if (!entry) {
    console.error(`squeeze: unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  }
  try {
    await entry.run(rest);
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
