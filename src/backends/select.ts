import type { Backend } from "./backend.ts";
import { createReferenceBackend } from "./js/reference_backend.ts";
import { simdSupported } from "./wasm/loader.ts";
import { createWasmBackend } from "./wasm/wasm_backend.ts";

/** Backend names accepted by {@linkcode createBackend} and the CLI's `--backend`. */
export const BACKEND_NAMES = ["auto", "wasm", "js"] as const;

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
