import type { Backend } from "../backends/backend.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { loadModel } from "../io/model_file.ts";
import { UsageError } from "./args.ts";
import { createBackend } from "../backends/select.ts";

/** The single model-file argument of `cmd`. */
export function modelPathArg(cmd: string, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new UsageError(`${cmd}: expected one model file, got ${positionals.length}`);
  }
  return positionals[0];
}

/**
 * Loads a model file onto `backend` (default: the CPU backend, Wasm SIMD when available);
 * a missing file is a usage error.
 */
export async function loadModelArg(
  cmd: string,
  path: string,
  backend: Backend = createBackend("auto"),
): Promise<GraphModule> {
  try {
    return await loadModel(path, backend);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`${cmd}: no such file: ${path}`);
    throw e;
  }
}
