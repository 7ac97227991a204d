/**
 * The pinned onnxruntime-web (Wasm backend), configured once for the benches and the
 * tests' judge: `threads` worker threads (ORT fixes them per process), no proxy worker,
 * its .wasm files read from the npm package, errors only. Import it before any session.
 */
// deno-lint-ignore no-import-prefix -- kept out of deno.json on purpose (see ort_run.ts)
import * as ort from "npm:onnxruntime-web@1.30.0";

/** Sets ORT's process-wide options; returns the module. */
export function configureOrt(threads = 1): typeof ort {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = new URL("./", import.meta.resolve("npm:onnxruntime-web@1.30.0")).href;
  ort.env.logLevel = "error";
  return ort;
}

export { ort };
