import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { createBackend } from "../../src/backends/select.ts";
import { softwareGpuWarning } from "../../src/cli/backend_arg.ts";
import { tryWebGpu } from "../backends/webgpu_helpers.ts";

const fake = (fallback: boolean) =>
  ({ ...createBackend("js"), name: "webgpu", fallback, adapter: "llvmpipe (LLVM 15)" }) as
    & Backend
    & { fallback: boolean };

Deno.test("--backend webgpu on a software adapter is named in a warning; real GPUs and CPU backends are not", () => {
  assert.equal(
    softwareGpuWarning(fake(true)),
    "--backend webgpu runs on llvmpipe (LLVM 15): a software rasterizer on the CPU, about 1/20 " +
      "of the Wasm backend's speed (use --backend wasm unless you are testing WebGPU)",
  );
  assert.equal(softwareGpuWarning(fake(false)), null);
  assert.equal(softwareGpuWarning(createBackend("wasm")), null);
});

Deno.test("the adapter Deno finds here gets the warning exactly when it is a software fallback", async () => {
  const gpu = await tryWebGpu();
  if (!gpu) return; // tryWebGpu printed why (no adapter, or SQUEEZE_NO_WEBGPU)
  const warning = softwareGpuWarning(gpu);
  assert.equal(warning !== null, gpu.fallback, `${gpu.adapter}: ${warning}`);
  if (warning) assert.ok(warning.includes(gpu.adapter));
});
