import { RELAXED_SIMD_WASM, SIMD_WASM } from "./_gen/kernels.ts";
import type { KernelExports } from "./_gen/kernel_exports.ts";

export type { KernelExports } from "./_gen/kernel_exports.ts";

/** Which build to load. */
export type KernelVariant = "relaxed-simd" | "simd";

/** Decoded binaries by variant and memory kind (`"shared"` is the build as committed). */
const decoded = new Map<string, Uint8Array<ArrayBuffer>>();

/** Base64 to bytes, with `atob` where `Uint8Array.fromBase64` is missing (older engines). */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function bytes(variant: KernelVariant, shared = true): Uint8Array<ArrayBuffer> {
  const key = `${variant}/${shared ? "shared" : "unshared"}`;
  let b = decoded.get(key);
  if (!b) {
    b = shared
      ? fromBase64(variant === "relaxed-simd" ? RELAXED_SIMD_WASM : SIMD_WASM)
      : unshareMemoryImport(bytes(variant, true));
    decoded.set(key, b);
  }
  return b;
}

/** Reads an unsigned LEB128 at `p`: [value, next offset]. */
function leb(b: Uint8Array, p: number): [number, number] {
  let v = 0, shift = 0, byte: number;
  do {
    byte = b[p++];
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [v, p];
}

/**
 * The same module importing a non-shared memory: a copy with the `shared` bit of the
 * memory import's limits cleared (the kernels are built with `--sharedMemory` for the
 * thread pool, and that one bit is all that differs from a build without it). A single
 * thread then needs no `SharedArrayBuffer`, which browsers offer only to cross-origin
 * isolated pages. Returns `wasm` itself when no memory import is shared.
 */
export function unshareMemoryImport(wasm: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  let p = 8; // magic and version
  while (p < wasm.length) {
    const id = wasm[p];
    const [size, body] = leb(wasm, p + 1);
    p = body + size;
    if (id !== 2) continue; // the import section
    let [count, q] = leb(wasm, body);
    for (; count > 0; count--) {
      for (let name = 0; name < 2; name++) {
        const [len, at] = leb(wasm, q);
        q = at + len;
      }
      const kind = wasm[q++];
      if (kind === 0) q = leb(wasm, q)[1]; // function: type index
      else if (kind === 3) q += 2; // global: value type, mutability
      else if (kind === 4) q = leb(wasm, q + 1)[1]; // tag: attribute, type index
      else {
        if (kind === 1) q++; // table: element type, then limits
        const flags = wasm[q];
        if (kind === 2 && flags & 2) {
          const out = wasm.slice();
          out[q] = flags & ~2;
          return out;
        }
        q = leb(wasm, q + 1)[1];
        if (flags & 1) q = leb(wasm, q)[1];
      }
    }
    return wasm;
  }
  return wasm;
}

/** Whether this engine validates the relaxed-SIMD build (feature detection). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(bytes("relaxed-simd", false));
}

/** Whether this engine supports 128-bit SIMD at all. */
export function simdSupported(): boolean {
  return WebAssembly.validate(bytes("simd", false));
}

/** Whether `memory` is shared (without naming `SharedArrayBuffer`, absent in some runtimes). */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return Object.prototype.toString.call(memory.buffer) === "[object SharedArrayBuffer]";
}

/**
 * Instantiates a kernel build against `memory` (synchronous; the modules are small): the
 * build as committed for a shared memory (the thread pool), else the same module importing
 * a non-shared memory ({@linkcode unshareMemoryImport}).
 */
export function instantiateKernels(
  variant: KernelVariant,
  memory: WebAssembly.Memory,
): KernelExports {
  const module = new WebAssembly.Module(bytes(variant, isSharedMemory(memory)));
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error("wasm kernel abort");
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
