/**
 * The WebGPU backend: every kernel of the backend interface as a WGSL compute shader
 * (`kernels/wgsl/`, embedded in `_gen/shaders.ts`), tensors that stay in GPU buffers
 * across a training step (pooled and reused), pipelines cached by shader name, and
 * asynchronous read-back only when asked (`await tensor.data()`). Assembled from one file
 * per kernel family over a shared context (context.ts): memory.ts, matmul.ts, conv.ts,
 * elementwise.ts, reduce.ts, indexing.ts and optim.ts.
 *
 * @module
 */
import {
  ALL_KERNELS,
  type Backend,
  type BackendCapabilities,
  type KernelName,
} from "../backend.ts";
import type { PoolStats } from "./buffer_pool.ts";
import { requestWebGpuDevice, type WebGpuDevice } from "./device.ts";
import { createGpuContext } from "./context.ts";
import { memoryKernels } from "./memory.ts";
import { matmulKernels } from "./matmul.ts";
import { convKernels } from "./conv.ts";
import { elementwiseKernels } from "./elementwise.ts";
import { reduceKernels } from "./reduce.ts";
import { indexingKernels } from "./indexing.ts";
import { optimKernels } from "./optim.ts";

const KERNELS: ReadonlySet<KernelName> = new Set(ALL_KERNELS);

/** The WebGPU backend, with its device and buffer counts. */
export interface WebGpuBackend extends Backend {
  /** The device. */
  readonly device: GPUDevice;
  /** Adapter description, e.g. `"llvmpipe (software)"`. */
  readonly adapter: string;
  /** True on a software adapter: correct but not fast. */
  readonly fallback: boolean;
  /** Live and pooled buffer counts (leak checks). */
  stats(): PoolStats;
}

/**
 * Creates the WebGPU backend on a device from `navigator.gpu` (or the one given).
 * Throws `WebGpuUnavailableError` when there is no adapter. Float32 only. Subnormals are
 * flushed to zero as on the Wasm backend: on upload and write, and by every shader that
 * computes (`kernels/wgsl/_ftz.wgsl`), whatever the GPU itself does with them.
 *
 * @example
 * ```ts ignore
 * import { createWebGpuBackend } from "./webgpu_backend.ts";
 * import { tensor } from "../../tensor/create.ts";
 * const gpu = await createWebGpuBackend();
 * const x = tensor([1, 2, 3], [3], { backend: gpu });
 * console.log(await x.data());
 * ```
 */
export async function createWebGpuBackend(
  opts: { device?: WebGpuDevice } = {},
): Promise<WebGpuBackend> {
  const dev = opts.device ?? await requestWebGpuDevice();
  const ctx = createGpuContext(dev);
  const { device, pool, stagingFree } = ctx;
  const capabilities: BackendCapabilities = {
    dtypes: ["float32"],
    syncRead: false,
    exact: false,
    threads: 1,
    device: "gpu",
    kernels: KERNELS,
  };
  return {
    name: "webgpu",
    capabilities,
    device,
    adapter: (dev.info.description || `${dev.info.vendor} ${dev.info.architecture}`).trim() +
      (dev.fallback ? " (software)" : ""),
    fallback: dev.fallback,
    stats: () => pool.stats(),
    submit: () => ctx.flush(),
    ...memoryKernels(ctx),
    ...matmulKernels(ctx),
    ...convKernels(ctx),
    ...elementwiseKernels(ctx),
    ...reduceKernels(ctx),
    ...indexingKernels(ctx),
    ...optimKernels(ctx),
    dispose: () => {
      ctx.flush();
      pool.destroy();
      for (const list of stagingFree.values()) for (const b of list) b.destroy();
      device.destroy();
    },
  } satisfies Required<WebGpuBackend>;
}
