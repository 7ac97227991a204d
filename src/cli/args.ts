import { parseArgs } from "node:util";
import type { Backend } from "../backends/backend.ts";
import type { Dataset } from "../data/dataset.ts";
import { loadMnist } from "../data/mnist.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { BACKEND_NAMES, type BackendName, requestBackend } from "../backends/select.ts";

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

/** Parses `args` strictly; unknown flags or missing values become a {@linkcode UsageError}. */
export function parse(
  command: string,
  args: string[],
  options: OptionSpec,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, strict: true, allowPositionals: true });
    return {
      values: r.values as Record<string, string | boolean | undefined>,
      positionals: r.positionals,
    };
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}

/** Reads a numeric flag, checking it is finite and within `[min, max]` (integers when `int`). */
export function num(
  command: string,
  flag: string,
  raw: string | boolean | undefined,
  def: number,
  { min = -Infinity, max = Infinity, int = false } = {},
): number {
  if (raw === undefined) return def;
  const v = Number(raw);
  if (
    typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(v) || v < min || v > max ||
    (int && !Number.isInteger(v))
  ) {
    const kind = int ? "an integer" : "a number";
    throw new UsageError(`${command}: --${flag} must be ${kind} in [${min}, ${max}], got "${raw}"`);
  }
  return v;
}

/** Reads `--backend`, default `auto`. */
export async function backendArg(
  command: string,
  raw: string | boolean | undefined,
): Promise<Backend> {
  const name = String(raw ?? "auto");
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(
      `${command}: --backend must be one of ${BACKEND_NAMES.join(", ")}, got "${name}"`,
    );
  }
  return await requestBackend(name as BackendName);
}

/** Reads `--widths` (comma-separated, 784 first and 10 last for MNIST), default LeNet-300-100. */
export function widthsArg(command: string, raw: string | boolean | undefined): number[] {
  const widths = String(raw ?? "784,300,100,10").split(",").map(Number);
  if (
    widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1) || widths[0] !== 784 ||
    widths.at(-1) !== 10
  ) {
    throw new UsageError(
      `${command}: --widths must be integers from 784 to 10, e.g. 784,300,100,10; got "${raw}"`,
    );
  }
  return widths;
}

/** Reads `--dataset` (`mnist` default, or `fashion`) and loads its test split. */
export async function testSetArg(
  command: string,
  raw: string | boolean | undefined,
): Promise<Dataset> {
  const name = String(raw ?? "mnist");
  if (name !== "mnist" && name !== "fashion") {
    throw new UsageError(`${command}: --dataset must be mnist or fashion, got "${name}"`);
  }
  return name === "mnist" ? await loadMnist("test") : (await loadFashionMnist()).test;
}
