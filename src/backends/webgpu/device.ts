/**
 * WebGPU device acquisition with errors that say what to do.
 *
 * @module
 */

/** No WebGPU here, no adapter, or the device was lost. */
export class WebGpuUnavailableError extends Error {
  /** Error name. */
  override name = "WebGpuUnavailableError";
}

/** What {@linkcode requestWebGpuDevice} found. */
export interface WebGpuDevice {
  /** The device. */
  device: GPUDevice;
  /** Adapter description (vendor, architecture, …). */
  info: GPUAdapterInfo;
  /** True for a software adapter (e.g. llvmpipe): correct, but no speed. */
  fallback: boolean;
}

/**
 * Requests a GPU device through `navigator.gpu`. Throws {@linkcode WebGpuUnavailableError}
 * naming the missing piece (no `navigator.gpu`, no adapter, device request refused).
 *
 * @example
 * ```ts ignore
 * import { requestWebGpuDevice } from "./device.ts";
 * const { device, fallback } = await requestWebGpuDevice();
 * console.log(device.limits.maxStorageBufferBindingSize, fallback);
 * ```
 */
export async function requestWebGpuDevice(
  opts: { powerPreference?: GPUPowerPreference } = {},
): Promise<WebGpuDevice> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new WebGpuUnavailableError(
      "webgpu: this runtime has no navigator.gpu (Deno ≥ 2 provides it); use --backend wasm",
    );
  }
  const adapter = await gpu.requestAdapter({
    powerPreference: opts.powerPreference ?? "high-performance",
  });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      "webgpu: no GPU adapter found (no driver, or a headless machine without a software rasterizer); use --backend wasm",
    );
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxStorageBuffersPerShaderStage: Math.min(
          8,
          adapter.limits.maxStorageBuffersPerShaderStage,
        ),
      },
    });
  } catch (e) {
    throw new WebGpuUnavailableError(
      `webgpu: the adapter refused a device (${(e as Error).message}); use --backend wasm`,
    );
  }
  const info = adapter.info;
  const flag = (o: unknown) => (o as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return { device, info, fallback: flag(info) ?? flag(adapter) ?? false };
}

/**
 * Whether `navigator.gpu` offers a hardware (non-fallback) adapter, without creating a
 * device (so a CPU-only run does not set up a software rasterizer).
 */
export async function hasHardwareGpu(): Promise<boolean> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return false;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return false;
    const flag = (o: unknown) => (o as { isFallbackAdapter?: boolean }).isFallbackAdapter;
    return !(flag(adapter.info) ?? flag(adapter) ?? false);
  } catch {
    return false;
  }
}
