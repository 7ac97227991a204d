import type { Backend } from "./backend.ts";
import { createReferenceBackend } from "./js/reference_backend.ts";
import { simdSupported } from "./wasm/loader.ts";
import { createWasmBackend } from "./wasm/wasm_backend.ts";
import { createWebGpuBackend } from "./webgpu/webgpu_backend.ts";
import { hasHardwareGpu } from "./webgpu/device.ts";

/** Backend names accepted by {@linkcode requestBackend} and the CLI's `--backend`. */
export const BACKEND_NAMES = ["auto", "wasm", "js", "webgpu"] as const;

/** A backend name. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * Creates a backend by name. `auto` picks the Wasm SIMD backend when the engine supports
 * SIMD, else the reference backend; `wasm` and `js` force one.
 *
 * @example
 * ```ts
 * import { createBackend } from "./select.ts";
 * console.assert(createBackend("js").name === "js");
 * ```
 */
export function createBackend(name: BackendName = "auto"): Backend {
  switch (name) {
    case "webgpu":
      throw new TypeError(
        'backend webgpu: the device is acquired asynchronously; use await requestBackend("webgpu")',
      );
    case "js":
      return createReferenceBackend();
    case "wasm":
      if (!simdSupported()) {
        throw new TypeError("backend wasm: this engine has no WebAssembly SIMD; use --backend js");
      }
      return createWasmBackend();
    case "auto":
      return simdSupported() ? createWasmBackend() : createReferenceBackend();
    default:
      throw new RangeError(`unknown backend "${name}" (expected ${BACKEND_NAMES.join(", ")})`);
  }
}

/**
 * Creates a backend by name, including `webgpu` (device acquisition is asynchronous).
 * `auto` prefers WebGPU when the adapter is a real GPU (not a software fallback), else
 * the Wasm SIMD backend, else the reference backend; `webgpu` forces WebGPU and throws
 * `WebGpuUnavailableError` saying why when there is none.
 *
 * @example
 * ```ts
 * import { requestBackend } from "./select.ts";
 * const be = await requestBackend("wasm");
 * console.assert(be.name === "wasm");
 * ```
 */
export async function requestBackend(name: BackendName = "auto"): Promise<Backend> {
  if (name === "webgpu") return await createWebGpuBackend();
  if (name === "auto" && await hasHardwareGpu()) {
    try {
      return await createWebGpuBackend();
    } catch {
      // the device request failed: fall through to the CPU backends
    }
  }
  return createBackend(name);
}
