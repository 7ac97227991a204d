/// <reference lib="deno.worker" />
// Worker of the Wasm thread pool: instantiates the kernels on the shared memory, then
// waits for jobs in the control block (see thread_pool.ts).
import { instantiateKernels, type KernelVariant } from "./loader.ts";
import { controlInts, CTRL } from "./thread_pool.ts";

self.onmessage = (
  e: MessageEvent<
    { memory: WebAssembly.Memory; ctrlPtr: number; index: number; variant: KernelVariant }
  >,
) => {
  const { memory, ctrlPtr, index, variant } = e.data;
  const k = instantiateKernels(variant, memory);
  let ctrl = new Int32Array(memory.buffer, ctrlPtr, controlInts(index + 1));
  let seq = Atomics.load(ctrl, CTRL.seq);
  Atomics.store(ctrl, CTRL.ready + index, 1);
  for (;;) {
    Atomics.wait(ctrl, CTRL.seq, seq);
    ctrl = new Int32Array(memory.buffer, ctrlPtr, controlInts(index + 1));
    seq = Atomics.load(ctrl, CTRL.seq);
    if (Atomics.load(ctrl, CTRL.stop)) break;
    const s = CTRL.slots + CTRL.slotSize * index;
    if (ctrl[s + 11]) {
      k.f32_gemm(
        ctrl[s],
        ctrl[s + 1],
        ctrl[s + 2],
        ctrl[s + 3],
        ctrl[s + 4],
        ctrl[s + 5],
        ctrl[s + 6],
        ctrl[s + 7],
        ctrl[s + 8],
        ctrl[s + 9],
        ctrl[s + 10],
        ctrl[s + 12],
      );
    }
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
  self.close();
};
