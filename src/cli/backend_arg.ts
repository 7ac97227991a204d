import type { Backend } from "../backends/backend.ts";
import { BACKEND_NAMES, requestBackend } from "../backends/select.ts";
import { choice } from "./args.ts";

/**
 * The warning for a WebGPU backend on a software adapter (llvmpipe, SwiftShader, …), or
 * null for any other backend.
 *
 * @example
 * ```ts
 * import { softwareGpuWarning } from "./backend_arg.ts";
 * import { createBackend } from "../backends/select.ts";
 * console.assert(softwareGpuWarning(createBackend("js")) === null);
 * ```
 */
export function softwareGpuWarning(backend: Backend): string | null {
  const gpu = backend as Backend & { fallback?: boolean; adapter?: string };
  if (backend.name !== "webgpu" || !gpu.fallback) return null;
  return `--backend webgpu runs on ${gpu.adapter ?? "a software adapter"}: a software ` +
    "rasterizer on the CPU, about 1/20 of the Wasm backend's speed (use --backend wasm " +
    "unless you are testing WebGPU)";
}

/** Reads `--backend` (default `auto`) and warns on stderr when WebGPU has no real GPU. */
export async function backendArg(
  command: string,
  raw: string | boolean | undefined,
): Promise<Backend> {
  const backend = await requestBackend(choice(command, "backend", raw, BACKEND_NAMES, "auto"));
  const warning = softwareGpuWarning(backend);
  if (warning) console.error(`squeeze ${command}: warning: ${warning}`);
  return backend;
}
