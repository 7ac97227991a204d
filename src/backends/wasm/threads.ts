/**
 * Threads of the Wasm backend: whether the runtime offers them, and the lazily started
 * worker pool. Threads need a shared `WebAssembly.Memory` (a `SharedArrayBuffer`) and
 * `Worker`; browsers give the first only to cross-origin isolated pages, edge runtimes
 * often neither. Without them the backend runs on one thread, on a plain memory, and
 * touches none of these globals (nor `Deno`).
 *
 * @module
 */
import { controlInts, ThreadPool } from "./thread_pool.ts";
import type { KernelVariant } from "./loader.ts";
import type { Arena } from "./arena.ts";

/** Whether this runtime can run the thread pool (shared memory and module workers). */
export function threadsAvailable(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer === "function" && typeof Worker === "function" &&
    typeof Atomics === "object" && g.crossOriginIsolated !== false;
}

/** The threads to use for a request (default: the hardware's), 1 where threads are missing. */
export function threadCount(requested: number | undefined): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const want = Math.max(1, Math.floor(requested ?? nav?.hardwareConcurrency ?? 1));
  return want > 1 && threadsAvailable() ? want : 1;
}

/** Lets the process exit while `timer` is pending (Deno and Node; browsers need nothing). */
function unref(timer: ReturnType<typeof setTimeout>): void {
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof deno?.unrefTimer === "function") deno.unrefTimer(timer as unknown as number);
  else (timer as { unref?: () => void }).unref?.();
}

/**
 * The worker pool of a backend with `threads` threads: started on the first large kernel,
 * stopped after an idle second (a synchronous training loop never idles), so scripts exit
 * without an explicit dispose().
 */
export class PoolKeeper {
  readonly #threads: number;
  readonly #memory: WebAssembly.Memory;
  readonly #variant: KernelVariant;
  readonly #ctrlPtr: number;
  #pool: ThreadPool | null = null;
  #reaper: ReturnType<typeof setTimeout> | undefined;

  /** A keeper for `threads` threads (no pool at 1) on `memory`, control block in `arena`. */
  constructor(threads: number, memory: WebAssembly.Memory, arena: Arena, variant: KernelVariant) {
    this.#threads = threads;
    this.#memory = memory;
    this.#variant = variant;
    this.#ctrlPtr = threads > 1 ? arena.alloc(controlInts(threads - 1) * 4) : 0;
  }

  /** The pool when all its workers are ready (starting it if needed), else null. */
  active(): ThreadPool | null {
    if (this.#threads === 1) return null;
    if (!this.#pool) {
      new Int32Array(this.#memory.buffer, this.#ctrlPtr, controlInts(this.#threads - 1)).fill(0);
      this.#pool = new ThreadPool(this.#threads - 1, this.#memory, this.#ctrlPtr, this.#variant);
    }
    clearTimeout(this.#reaper);
    const timer = setTimeout(() => this.stop(), 1000);
    unref(timer);
    this.#reaper = timer;
    return this.#pool.readyCount() ? this.#pool : null;
  }

  /** Stops the workers now (they restart on the next large kernel). */
  stop(): void {
    clearTimeout(this.#reaper);
    this.#reaper = undefined;
    this.#pool?.close();
    this.#pool = null;
  }
}
