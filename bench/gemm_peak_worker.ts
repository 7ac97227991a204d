/**
 * Worker of bench/gemm_bench.ts: instantiates the Wasm kernels on a memory of its own and
 * runs the register-only FMA kernel (`f32_fma_peak`) for about the seconds it is sent,
 * after a warm-up, replying with the flops it did and the seconds they took.
 *
 * @module
 */
import { instantiateKernels, type KernelVariant } from "../src/backends/wasm/loader.ts";
import { MAX_PAGES } from "../src/backends/wasm/_gen/kernels.ts";

/** The message the bench sends. */
export interface PeakRequest {
  variant: KernelVariant;
  seconds: number;
}

/** The reply. */
export interface PeakReply {
  flops: number;
  seconds: number;
}

self.onmessage = (e: MessageEvent<PeakRequest>) => {
  const k = instantiateKernels(
    e.data.variant,
    new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES }),
  );
  const iters = 1 << 22, flopsPerCall = 96 * iters;
  k.f32_fma_peak(iters, 1e-3); // warm-up (tier-up)
  let calls = 0, sink = 0;
  const start = performance.now();
  do {
    sink += k.f32_fma_peak(iters, 1e-3);
    calls++;
  } while ((performance.now() - start) / 1000 < e.data.seconds);
  const seconds = (performance.now() - start) / 1000;
  if (!Number.isFinite(sink)) throw new Error("gemm_peak_worker: the peak kernel went non-finite");
  self.postMessage({ flops: calls * flopsPerCall, seconds } satisfies PeakReply);
  self.close();
};
