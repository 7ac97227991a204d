import type { GraphModule } from "../graph/graph_module.ts";
import { loadModel } from "../io/model_file.ts";
import { UsageError } from "./args.ts";
import { createBackend } from "../backends/select.ts";

/**
 * Loads the single model-file argument of `cmd` onto the default CPU backend (Wasm SIMD
 * when available); a missing file is a usage error.
 */
export async function loadModelArg(cmd: string, positionals: string[]): Promise<GraphModule> {
  if (positionals.length !== 1) {
    throw new UsageError(`${cmd}: expected one model file, got ${positionals.length}`);
  }
  try {
    return await loadModel(positionals[0], createBackend("auto"));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${cmd}: no such file: ${positionals[0]}`);
    }
    throw e;
  }
}

/** The `--out` flag, required and different from the input. */
export function outArg(cmd: string, out: unknown, input: string): string {
  if (typeof out !== "string" || out === "") throw new UsageError(`${cmd}: --out PATH is required`);
  if (out === input) throw new UsageError(`${cmd}: --out must differ from the input file`);
  return out;
}
