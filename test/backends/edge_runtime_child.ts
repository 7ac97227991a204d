/**
 * Child of edge_runtime_test.ts: removes `SharedArrayBuffer`, `Worker`, `Deno`,
 * `navigator` and `Uint8Array.fromBase64` from the global scope and makes shared Wasm
 * memories throw (a browser page without cross-origin isolation, an edge runtime), then
 * imports the Wasm backend and the ops and prints the results of a small forward pass as
 * JSON on stdout. Not a test file itself.
 */
import { forwardPass } from "./edge_runtime_pass.ts";

const g = globalThis as Record<string, unknown>;
const RealMemory = WebAssembly.Memory;
function EdgeMemory(desc: WebAssembly.MemoryDescriptor): WebAssembly.Memory {
  if (desc.shared) throw new TypeError("shared memory needs cross-origin isolation");
  return new RealMemory(desc);
}
EdgeMemory.prototype = RealMemory.prototype;
const touched: string[] = [];
let watching = true;
for (const name of ["SharedArrayBuffer", "Worker", "Deno", "navigator"]) {
  delete g[name];
  // A read of the name while watching is recorded: module loading and the forward pass
  // must not touch them (only createWasmBackend looks, to find that threads are missing).
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get: () => {
      if (watching) touched.push(name);
      return undefined;
    },
  });
}
delete (Uint8Array as unknown as Record<string, unknown>).fromBase64;
(WebAssembly as Record<string, unknown>).Memory = EdgeMemory;

const { createWasmBackend } = await import("../../src/backends/wasm/wasm_backend.ts");
watching = false;
const backend = createWasmBackend({ threads: 4 });
watching = true;
const out = await forwardPass(backend);
watching = false;
console.log(JSON.stringify({
  threads: backend.capabilities.threads,
  parallelCalls: backend.parallelCalls(),
  touched,
  out,
}));
