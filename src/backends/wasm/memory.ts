/**
 * Memory kernels of the Wasm backend: allocation, upload, read-back, write, free and copy
 * of arena storage. Uploads and writes are flushed to zero (no subnormal in the arena).
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";
import type { WasmContext } from "./context.ts";

/** The memory part of the backend. */
export function memoryKernels(
  ctx: WasmContext,
): Required<
  Pick<
    Backend,
    "alloc" | "allocUninitialized" | "upload" | "readSync" | "read" | "write" | "free" | "copy"
  >
> {
  const { ws, view, flushed, memory } = ctx;
  return {
    alloc: (dtype, size) => ctx.alloc(dtype, size),
    allocUninitialized: (dtype, size) => ctx.alloc(dtype, size, false),
    upload: (data: TypedArray) => {
      const s = ctx.alloc("float32", data.length, false);
      new Float32Array(memory.buffer, s.ptr, s.size).set(data);
      flushed(s);
      return s;
    },
    readSync: (s) => view(s).slice(),
    read: (s) => Promise.resolve(view(s).slice()),
    write: (s, data) => {
      view(s).set(data);
      flushed(s);
    },
    free: (s) => ctx.free(s),
    copy: (x, out) => {
      const X = ws(x), O = ws(out);
      new Uint8Array(memory.buffer).copyWithin(O.ptr, X.ptr, X.ptr + X.size * 4);
    },
  };
}
