import { parseArgs } from "node:util";
import { describeRange, inRange, type NumberRange } from "../cycle/option_ranges.ts";

/** A command-line error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  /** Error name. */
  override name = "UsageError";
}

/** Option spec in node:util parseArgs form. */
export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; default?: string | boolean }
>;

/** Parsed flags and positionals. */
export interface ParsedArgs {
  /** Flag values by long name. */
  values: Record<string, string | boolean | undefined>;
  /** Arguments that are not flags. */
  positionals: string[];
}

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Parses `args` strictly; unknown flags or missing values become a {@linkcode UsageError}.
 * A negative number after a value flag (`--exclude -1`) is that flag's value, so the
 * range check, not parseArgs' "ambiguous" error, answers it.
 */
export function parse(command: string, args: string[], options: OptionSpec): ParsedArgs {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i], next = args[i + 1];
    const flag = a.startsWith("--") && !a.includes("=") ? options[a.slice(2)] : undefined;
    if (flag?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${a}=${next}`);
      i++;
    } else joined.push(a);
  }
  try {
    const r = parseArgs({ args: joined, options, strict: true, allowPositionals: true });
    return {
      values: r.values as Record<string, string | boolean | undefined>,
      positionals: r.positionals,
    };
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A decimal number written the usual way (`3`, `-0.5`, `1e-3`), or null for anything else
 * (`0x1`, `1e`, `abc`, empty, `Infinity`).
 *
 * @example
 * ```ts
 * import { strictNumber } from "./args.ts";
 * console.assert(strictNumber("1e-3") === 0.001 && strictNumber("0x1") === null);
 * ```
 */
export function strictNumber(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/** Reads a numeric flag strictly, checking it lies in `range`; `def` when absent. */
export function num(
  command: string,
  flag: string,
  raw: string | boolean | undefined,
  def: number,
  range: NumberRange = {},
): number {
  if (raw === undefined) return def;
  const v = typeof raw === "string" ? strictNumber(raw.trim()) : null;
  if (v === null || !inRange(v, range)) {
    throw new UsageError(
      `${command}: --${flag} must be ${describeRange(range)}, got "${raw}"`,
    );
  }
  return v;
}

/** Reads a comma-separated list of numbers, each checked like {@linkcode num}. */
export function numList(
  command: string,
  flag: string,
  raw: string | boolean | undefined,
  def: number[],
  range: NumberRange = {},
): number[] {
  if (raw === undefined) return def;
  const parts = String(raw).split(",");
  return parts.map((p) => {
    const v = strictNumber(p.trim());
    if (v === null || !inRange(v, range)) {
      throw new UsageError(
        `${command}: --${flag} must be a comma-separated list, each ${
          describeRange(range)
        }; got "${raw}"`,
      );
    }
    return v;
  });
}

/** Reads a flag that takes one of `allowed`; `def` when absent. */
export function choice<T extends string>(
  command: string,
  flag: string,
  raw: string | boolean | undefined,
  allowed: readonly T[],
  def: T,
): T {
  if (raw === undefined) return def;
  if (!(allowed as readonly unknown[]).includes(raw)) {
    throw new UsageError(
      `${command}: --${flag} must be one of ${allowed.join(", ")}, got "${raw}"`,
    );
  }
  return raw as T;
}

/** Fails on positionals where a command takes none. */
export function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length) {
    throw new UsageError(`${command}: unexpected argument "${positionals[0]}"`);
  }
}

/** Reads `--widths` (comma-separated, 784 first and 10 last for MNIST), default LeNet-300-100. */
export function widthsArg(command: string, raw: string | boolean | undefined): number[] {
  const bad = () =>
    new UsageError(
      `${command}: --widths must be integers in [1, 65536] from 784 to 10, e.g. 784,300,100,10; got "${raw}"`,
    );
  let widths: number[];
  try {
    widths = numList(command, "widths", raw, [784, 300, 100, 10], {
      min: 1,
      max: 65536,
      int: true,
    });
  } catch {
    throw bad();
  }
  if (widths.length < 2 || widths[0] !== 784 || widths.at(-1) !== 10) throw bad();
  return widths;
}
