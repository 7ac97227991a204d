/**
 * # squeeze/runtime
 *
 * Inference only: run a model saved by squeeze (a minimized one, typically) on a
 * backend. This entry holds tensors, the forward ops, the backends (TypeScript reference,
 * Wasm SIMD, WebGPU), the graph module that runs a model graph, and model decoding. It
 * holds no training code: nothing of autograd's `backward`, optimizers, the training
 * loop, pruning, minimization, the cycle or the datasets, and it imports no npm or JSR
 * package. Load it where only inference runs (a server, an edge function, a browser);
 * train, prune and minimize with the main entry (`@squeeze/squeeze`).
 *
 * Models run in inference mode unless loaded with `{ training: true }`. Wrap calls in
 * {@linkcode noGrad} so that ops record no gradient rules.
 *
 * @example Load a model file and classify one input
 * ```ts ignore
 * import { createBackend, loadModel, noGrad, tensor } from "@squeeze/squeeze/runtime";
 *
 * const backend = createBackend("auto"); // Wasm SIMD when available
 * const model = await loadModel("lenet.safetensors", backend);
 * const x = tensor(new Float32Array(784), [1, 1, 28, 28], { backend });
 * const logits = noGrad(() => model.forward(x));
 * console.log(logits.shape, await logits.data());
 * ```
 *
 * @example Decode model bytes (fetched, embedded, read from storage)
 * ```ts ignore
 * import { decodeModel, requestBackend } from "@squeeze/squeeze/runtime";
 *
 * const url = "https://example.com/lenet.safetensors";
 * const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
 * const model = decodeModel(bytes, url, await requestBackend("auto"));
 * ```
 *
 * @example Forward ops on a backend
 * ```ts
 * import { createBackend, matmul, relu, tensor } from "./mod.ts";
 *
 * const backend = createBackend("js");
 * const x = tensor([1, -2], [1, 2], { backend });
 * const w = tensor([1, 0, 0, 1], [2, 2], { backend });
 * console.assert(relu(matmul(x, w)).toArray().join() === "1,0");
 * ```
 *
 * @module
 */

export type {
  AdamWParams,
  Backend,
  BackendCapabilities,
  BinaryKind,
  ClnParams,
  Conv2dParams,
  KernelName,
  MatmulParams,
  ReduceKind,
  SgdParams,
  Storage,
  UnaryKind,
} from "../backends/backend.ts";
export { createReferenceBackend } from "../backends/js/reference_backend.ts";
export {
  createWasmBackend,
  type WasmBackend,
  type WasmBackendOptions,
} from "../backends/wasm/wasm_backend.ts";
export type { ArenaStats } from "../backends/wasm/arena.ts";
export type { KernelVariant } from "../backends/wasm/loader.ts";
export { relaxedSimdSupported, simdSupported } from "../backends/wasm/loader.ts";
export {
  BACKEND_NAMES,
  type BackendName,
  createBackend,
  requestBackend,
} from "../backends/select.ts";
export { WebGpuUnavailableError } from "../backends/webgpu/device.ts";

export type { DType, TypedArray } from "../tensor/dtype.ts";
export { type TapeNode, Tensor } from "../tensor/tensor.ts";
export {
  type CreateOptions,
  full,
  randn,
  referenceBackend,
  tensor,
  toBackend,
  uniform,
  zeros,
} from "../tensor/create.ts";
export { Rng } from "../tensor/random.ts";
export type { Shape } from "../tensor/shape.ts";
export { tidy } from "../tensor/scope.ts";
export { isGradEnabled, noGrad } from "../tensor/grad_mode.ts";

export {
  add,
  div,
  exp,
  gelu,
  log,
  mul,
  neg,
  relu,
  scale,
  sigmoid,
  sub,
  tanh,
  unary,
} from "../ops/elementwise.ts";
export { matmul, type MatmulAttrs } from "../ops/matmul.ts";
export { broadcastTo, max, mean, type ReduceAttrs, sum } from "../ops/reduce.ts";
export { logSoftmax, softmax } from "../ops/softmax.ts";
export { indexSelect, reshape, slice, transpose } from "../ops/shape_ops.ts";
export { conv2d, type Conv2dAttrs } from "../ops/conv.ts";
export { layerNorm, type LayerNormAttrs } from "../ops/layer_norm.ts";

export { Module } from "../nn/module.ts";
export { Parameter } from "../nn/parameter.ts";
export type { AttrValue, Graph, GraphInput, GraphNode, SymShape } from "../graph/ir.ts";
export { GraphBuilder } from "../graph/builder.ts";
export { GraphModule } from "../graph/graph_module.ts";
export { validateGraph } from "../graph/validate.ts";
export { dumpGraph } from "../graph/dump.ts";

export { decodeSafetensors, type NamedArray } from "../io/safetensors.ts";
export { decodeModel, loadModel, type LoadOptions } from "../io/model_read.ts";
export { decodeOnnx, loadOnnx, type OnnxRuntimeOptions } from "./onnx.ts";
