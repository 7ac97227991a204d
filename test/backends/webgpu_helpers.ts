import {
  createWebGpuBackend,
  type WebGpuBackend,
} from "../../src/backends/webgpu/webgpu_backend.ts";

let cached: Promise<WebGpuBackend | null> | null = null;

/**
 * The WebGPU backend on the adapter Deno finds (a software rasterizer on CI machines), or
 * null with a one-line reason on stderr when there is none: the WebGPU tests then skip.
 * `SQUEEZE_NO_WEBGPU=1` skips them on purpose.
 */
export function tryWebGpu(): Promise<WebGpuBackend | null> {
  cached ??= (async () => {
    if (Deno.env.get("SQUEEZE_NO_WEBGPU")) {
      console.error("webgpu tests skipped: SQUEEZE_NO_WEBGPU is set");
      return null;
    }
    try {
      return await createWebGpuBackend();
    } catch (e) {
      console.error(`webgpu tests skipped: ${(e as Error).message}`);
      return null;
    }
  })();
  return cached;
}
