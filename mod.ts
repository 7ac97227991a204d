/**
 * # squeeze
 *
 * Makes neural networks physically smaller without changing what they compute
 * (Squeeze-Release: pruning + exact structural minimization + release). This module
 * holds float32 tensors with reverse-mode autograd over a closed op table, explicit
 * backends (the TypeScript reference backend is the oracle; Wasm SIMD), layers for MLPs,
 * CNNs, ConvNeXts (BatchNorm, CompensatedLayerNorm, layer scale, residuals) and
 * transformers (multi-head attention with heads of unequal widths, token and patch
 * embeddings, compensated RMSNorm), optimizers, a training loop, the graph IR that
 * minimization rewrites, pruning, release and the Squeeze-Release cycle, MNIST /
 * Fashion-MNIST / IMDB loading, and the model file (JSON graph + safetensors weights).
 *
 * Entry points: this one (`@squeeze/squeeze`) is the user API: models, training, pruning,
 * minimization, release, the cycle and model files. `@squeeze/squeeze/runtime` is
 * inference only (tensors, forward ops, backends, the graph module, model decoding; no
 * training code, no npm package), for loading a minimized model where it runs.
 * `@squeeze/squeeze/cli` is the command line. Internals (the minimizer's graph and rules,
 * pruning units, the op and layer-op tables, checkpoint files) are not exported.
 *
 * @example Train a small network for one step and save it
 * ```ts ignore
 * import {
 *   AdamW, backward, crossEntropy, fromGraph, lenet300100, saveModel, tensor, toGraph,
 * } from "@squeeze/squeeze";
 *
 * const model = lenet300100({ seed: 0 });
 * const opt = new AdamW(model.parameters(), { lr: 1e-3 });
 * const x = tensor(new Float32Array(2 * 784), [2, 1, 28, 28]);
 * const loss = crossEntropy(model.forward(x), Int32Array.of(3, 7));
 * backward(loss);
 * opt.step();
 * const { graph, params } = toGraph(model, [1, 28, 28], "lenet");
 * await saveModel("lenet.safetensors", fromGraph(graph, params));
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
} from "./src/backends/backend.ts";
export { createReferenceBackend } from "./src/backends/js/reference_backend.ts";
export {
  createWasmBackend,
  type WasmBackend,
  type WasmBackendOptions,
} from "./src/backends/wasm/wasm_backend.ts";
export type { ArenaStats } from "./src/backends/wasm/arena.ts";
export type { KernelVariant } from "./src/backends/wasm/loader.ts";
export { relaxedSimdSupported, simdSupported } from "./src/backends/wasm/loader.ts";
export {
  BACKEND_NAMES,
  type BackendName,
  createBackend,
  requestBackend,
} from "./src/backends/select.ts";
export { WebGpuUnavailableError } from "./src/backends/webgpu/device.ts";

export type { DType, TypedArray } from "./src/tensor/dtype.ts";
export { type TapeNode, Tensor } from "./src/tensor/tensor.ts";
export {
  type CreateOptions,
  full,
  randn,
  referenceBackend,
  tensor,
  toBackend,
  uniform,
  zeros,
} from "./src/tensor/create.ts";
export { Rng } from "./src/tensor/random.ts";
export type { Shape } from "./src/tensor/shape.ts";
export { tidy } from "./src/tensor/scope.ts";
export { isGradEnabled, noGrad } from "./src/tensor/grad_mode.ts";

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
} from "./src/ops/elementwise.ts";
export { matmul, type MatmulAttrs } from "./src/ops/matmul.ts";
export { broadcastTo, max, mean, type ReduceAttrs, sum } from "./src/ops/reduce.ts";
export { logSoftmax, softmax } from "./src/ops/softmax.ts";
export { crossEntropy, type CrossEntropyOptions } from "./src/ops/loss.ts";
export { indexSelect, reshape, slice, transpose } from "./src/ops/shape_ops.ts";
export { conv2d, type Conv2dAttrs } from "./src/ops/conv.ts";
export { layerNorm, type LayerNormAttrs } from "./src/ops/layer_norm.ts";

export { backward, type BackwardOptions } from "./src/autograd/backward.ts";
export {
  gradCheck,
  type GradCheckOptions,
  type GradCheckResult,
} from "./src/autograd/grad_check.ts";

export { Module } from "./src/nn/module.ts";
export { Parameter } from "./src/nn/parameter.ts";
export { Linear, type LinearOptions } from "./src/nn/linear.ts";
export { Activation, type ActivationKind, Flatten } from "./src/nn/activation.ts";
export { ACTIVATION_KINDS, type ActivationFn } from "./src/ops/activations.ts";
export { Sequential } from "./src/nn/sequential.ts";
export { Residual } from "./src/nn/residual.ts";
export { Layer } from "./src/nn/layer.ts";
export {
  batchNorm2d,
  conv2dLayer,
  type ConvOptions,
  drop,
  dwconv2dLayer,
  layerNorm2d,
  type LayerOptions,
  layerScale,
  permuteLayer,
  pool,
  reshapeLayer,
} from "./src/nn/layers.ts";
export { lenet300100, mlp, type MlpOptions } from "./src/nn/models.ts";
export {
  type CnnOptions,
  convnext,
  type ConvNextOptions,
  convnextTiny,
  smallCnn,
} from "./src/nn/image_models.ts";
export {
  textEncoder,
  type TextEncoderOptions,
  type TransformerOptions,
  vit,
  type VitOptions,
} from "./src/nn/transformer_models.ts";
export { SelfAttention, type SelfAttentionOptions } from "./src/nn/attention.ts";
export {
  type AttentionSpec,
  MASKED_SCORE,
  multiHeadAttention,
} from "./src/nn/attention_functional.ts";
export { type InitKind, initWeights } from "./src/nn/init.ts";
export {
  dropout,
  dropPath,
  globalAvgPool,
  pool2d,
  type PoolKind,
} from "./src/nn/image_functional.ts";
export {
  batchNorm,
  type BatchNormOptions,
  compensatedLayerNorm,
  compensatedRmsNorm,
  type Compensation,
  type RmsCompensation,
} from "./src/nn/norm_functional.ts";

export { Optimizer } from "./src/nn/optim/optimizer.ts";
export { SGD, type SgdOptions } from "./src/nn/optim/sgd.ts";
export { AdamW, type AdamWOptions } from "./src/nn/optim/adamw.ts";
export { constantLr, cosineLr, type LrSchedule, stepLr } from "./src/nn/schedule.ts";
export {
  argmaxRows,
  type EpochSummary,
  type EvalResult,
  evaluate,
  fit,
  type FitOptions,
  trainStep,
} from "./src/nn/train.ts";
export { type ProgressSink, stderrSink } from "./src/nn/progress.ts";
export { type NonFiniteParameter, nonFiniteParameters } from "./src/nn/finite.ts";

export type { AttrValue, Graph, GraphInput, GraphNode, SymShape } from "./src/graph/ir.ts";
export { GraphBuilder } from "./src/graph/builder.ts";
export { GraphModule } from "./src/graph/graph_module.ts";
export { fromGraph, toGraph } from "./src/graph/convert.ts";
export { validateGraph } from "./src/graph/validate.ts";
export { dumpGraph } from "./src/graph/dump.ts";

export {
  type Batch,
  batches,
  type BatchOptions,
  type Dataset,
  splitValidation,
  subset,
} from "./src/data/dataset.ts";
export { loadMnist, MNIST_MEAN, MNIST_STD, type MnistOptions } from "./src/data/mnist.ts";
export {
  FASHION_CLASSES,
  FASHION_MEAN,
  FASHION_STD,
  type FashionOptions,
  loadFashionMnist,
} from "./src/data/fashion_mnist.ts";
export { type DatasetName, loadSplits, type Splits } from "./src/data/load.ts";
export {
  IMDB_MAX_TOKENS,
  IMDB_VOCAB_SIZE,
  type ImdbData,
  type ImdbOptions,
  loadImdb,
} from "./src/data/imdb.ts";
export { normalizeText, tokenize } from "./src/data/tokenizer.ts";
export { PAD_ID, type Truncation, UNK_ID, type Vocabulary } from "./src/data/vocabulary.ts";

export { decodeSafetensors, encodeSafetensors, type NamedArray } from "./src/io/safetensors.ts";
export { decodeModel, loadModel, type LoadOptions } from "./src/io/model_read.ts";
export { encodeModel, saveModel } from "./src/io/model_file.ts";
export { importOnnx, type OnnxImport, type OnnxImportOptions } from "./src/io/onnx/import.ts";
export {
  EXPORT_OPSET,
  exportOnnx,
  type OnnxExport,
  type OnnxExportOptions,
} from "./src/io/onnx/export.ts";
export { readOnnx, writeOnnx } from "./src/io/onnx/onnx_file.ts";
export { decodeOnnx, loadOnnx, type OnnxRuntimeOptions } from "./src/runtime/onnx.ts";
export type { ElemType, HostTensor } from "./src/io/onnx/host_tensor.ts";
export type { ExternalReader } from "./src/io/onnx/tensor_proto.ts";

export { type DenseLayer, prunableLayers, UnsupportedLayerError } from "./src/prune/chain.ts";
export { clearMasks, countNonzeroWeights, ensureMasks } from "./src/prune/masks.ts";
export { type ImportanceKind, importanceScores } from "./src/prune/importance.ts";
export {
  type BudgetOptions,
  nextBudget,
  pruneToBudget,
  pruneWeakestUnits,
  type StructuredResult,
} from "./src/prune/prune.ts";
export { type RegularizerKind, structureRegularizer } from "./src/prune/regularizers.ts";

export { denseWidths, minimize, type MinimizeStats } from "./src/minimize/rewrite.ts";
export { type ChannelIndex, channelIndex } from "./src/channels/index.ts";
export type {
  ChannelClass,
  ChannelClasses,
  CutEdge,
  Member,
  ShapedGraph,
} from "./src/channels/classes.ts";
export type { ChannelKind, Coupler, KindContext, Rewriter } from "./src/channels/kinds.ts";
export type { Lattice } from "./src/channels/analysis.ts";
export type {
  LayerChannels,
  LayerOp,
  ParamSlice,
  ParamSlot,
  ParamView,
  RunContext,
} from "./src/graph/layer_op.ts";
export {
  CONTRACT_TOLERANCE,
  MinimizationError,
  verify,
  verifyOn,
  type VerifyResult,
} from "./src/minimize/verify.ts";

export { release, type ReleaseOptions, type ReleaseReport } from "./src/release/release.ts";

export {
  type CycleData,
  type CycleResult,
  type CycleRunSettings,
  squeezeRelease,
} from "./src/cycle/cycle.ts";
export {
  CYCLE_IMPORTANCES,
  CYCLE_REGULARIZERS,
  type CycleOptions,
  DEFAULT_CYCLE_OPTIONS,
  resolveCycleOptions,
} from "./src/cycle/options.ts";
export { CheckpointMismatchError, type Mismatch } from "./src/cycle/run_identity.ts";
export type { CycleEvent, CyclePhase } from "./src/cycle/events.ts";
export { type CycleRow, formatCycleTable } from "./src/cycle/report.ts";
