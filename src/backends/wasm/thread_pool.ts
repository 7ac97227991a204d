/**
 * Worker threads for the Wasm backend. Every worker instantiates the same kernels on
 * the backend's shared `WebAssembly.Memory`; a control block in that memory carries the
 * jobs (integer records, see jobs.ts). The calling thread publishes one job per worker,
 * runs its own share, then waits on an `Atomics` counter, so kernels stay synchronous.
 *
 * @module
 */
import type { KernelVariant } from "./loader.ts";

/** Control block layout (Int32 slots): per worker, [active, job record…]. */
export const CTRL = { seq: 0, done: 1, stop: 2, ready: 4, slots: 16, slotSize: 32 } as const;

/** Polls of a waiting thread before it sleeps on the futex (a few tens of microseconds). */
export const SPIN = 20000;

/** Int32 slots the control block needs for `workers` workers. */
export function controlInts(workers: number): number {
  return CTRL.slots + CTRL.slotSize * workers;
}

/** A pool of `size` workers sharing `memory`. */
export class ThreadPool {
  readonly #workers: Worker[] = [];
  readonly #memory: WebAssembly.Memory;
  readonly #ctrlPtr: number;
  #closed = false;

  /** Starts `size` workers; they report readiness through the control block. */
  constructor(size: number, memory: WebAssembly.Memory, ctrlPtr: number, variant: KernelVariant) {
    this.#memory = memory;
    this.#ctrlPtr = ctrlPtr;
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL("./thread_worker.ts", import.meta.url), { type: "module" });
      w.postMessage({ memory, ctrlPtr, index: i, variant });
      this.#workers.push(w);
    }
  }

  #ctrl(): Int32Array {
    return new Int32Array(this.#memory.buffer, this.#ctrlPtr, controlInts(this.#workers.length));
  }

  /** Number of workers when all are ready, else 0. */
  readyCount(): number {
    if (this.#closed) return 0;
    const c = this.#ctrl();
    let n = 0;
    for (let i = 0; i < this.#workers.length; i++) {
      n += Atomics.load(c, CTRL.ready + i) === 1 ? 1 : 0;
    }
    return n === this.#workers.length ? n : 0;
  }

  /** Number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /** Runs `jobs[i]` on worker i while `own()` runs here; returns when all are done. */
  run(jobs: readonly number[][], own: () => void): void {
    const c = this.#ctrl();
    for (let i = 0; i < this.#workers.length; i++) {
      const s = CTRL.slots + CTRL.slotSize * i;
      const job = jobs[i];
      if (job && job.length >= CTRL.slotSize) {
        throw new RangeError(`thread pool: job record of ${job.length} ints is too long`);
      }
      c[s] = job ? 1 : 0;
      if (job) c.set(job, s + 1);
    }
    Atomics.store(c, CTRL.done, 0);
    Atomics.add(c, CTRL.seq, 1);
    Atomics.notify(c, CTRL.seq);
    own();
    for (let i = 0; i < SPIN && Atomics.load(c, CTRL.done) < this.#workers.length; i++);
    let d: number;
    while ((d = Atomics.load(c, CTRL.done)) < this.#workers.length) Atomics.wait(c, CTRL.done, d);
  }

  /** Stops and terminates the workers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const c = this.#ctrl();
    Atomics.store(c, CTRL.stop, 1);
    Atomics.add(c, CTRL.seq, 1);
    Atomics.notify(c, CTRL.seq);
    for (const w of this.#workers) w.terminate();
  }
}
