/// <reference lib="deno.worker" />
// Worker of the Wasm thread pool: instantiates the kernels on the shared memory, then
// waits for job records in the control block (see thread_pool.ts and jobs.ts).
import { runJob } from "./jobs.ts";
import { instantiateKernels, type KernelVariant } from "./loader.ts";
import { controlInts, CTRL, SPIN } from "./thread_pool.ts";

type Init = { memory: WebAssembly.Memory; ctrlPtr: number; index: number; variant: KernelVariant };

self.onmessage = (e: MessageEvent<Init>) => {
  const { memory, ctrlPtr, index, variant } = e.data;
  const k = instantiateKernels(variant, memory);
  const ctrl = () => new Int32Array(memory.buffer, ctrlPtr, controlInts(index + 1));
  let seq = Atomics.load(ctrl(), CTRL.seq);
  Atomics.store(ctrl(), CTRL.ready + index, 1);
  for (;;) {
    // Spin briefly before sleeping: back-to-back kernels then start without a futex wake-up.
    const c0 = ctrl();
    for (let i = 0; i < SPIN && Atomics.load(c0, CTRL.seq) === seq; i++);
    Atomics.wait(c0, CTRL.seq, seq);
    const c = ctrl();
    seq = Atomics.load(c, CTRL.seq);
    if (Atomics.load(c, CTRL.stop)) break;
    const s = CTRL.slots + CTRL.slotSize * index;
    if (c[s]) runJob(k, c.subarray(s + 1, s + CTRL.slotSize));
    Atomics.add(c, CTRL.done, 1);
    Atomics.notify(c, CTRL.done);
  }
  self.close();
};
