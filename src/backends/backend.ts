/**
 * The backend interface: explicit objects with declared capabilities that own tensor
 * storage and run kernels. Ops (src/ops) validate shapes and call these kernels; they
 * never touch storage directly, so a Wasm or WebGPU backend only implements this file's
 * interface. Nothing is registered on import: callers create a backend and pass it.
 *
 * @module
 */
import type { DType, TypedArray } from "../tensor/dtype.ts";
import type { Shape } from "../tensor/shape.ts";
import type { BinaryKind, ReduceKind, UnaryKind } from "./_gen/kernel_ids.ts";

/** An opaque handle to a backend's memory holding `size` elements of `dtype`. */
export interface Storage {
  /** Number of elements. */
  readonly size: number;
  /** Element type. */
  readonly dtype: DType;
}

// The kernel kinds (unary, binary, reduce) and their ids are defined once in
// kernels/manifest.ts and generated into _gen/kernel_ids.ts.
export type { BinaryKind, ReduceKind, UnaryKind } from "./_gen/kernel_ids.ts";
export { UNARY_KINDS } from "./_gen/kernel_ids.ts";

/** Every kernel a backend may implement; `capabilities.kernels` lists the ones it has. */
export type KernelName =
  | "matmul"
  | "unary"
  | "binary"
  | "scalar"
  | "reduce"
  | "softmax"
  | "cross_entropy"
  | "one_hot"
  | "permute"
  | "slice"
  | "slice_grad"
  | "gather"
  | "scatter_add"
  | "copy"
  | "sgd"
  | "adamw"
  | "conv2d"
  | "conv2d_grad_input"
  | "conv2d_grad_weight"
  | "layer_norm"
  | "compensated_layer_norm";

/** Every kernel name, in a fixed order. */
export const ALL_KERNELS: readonly KernelName[] = [
  "matmul",
  "unary",
  "binary",
  "scalar",
  "reduce",
  "softmax",
  "cross_entropy",
  "one_hot",
  "permute",
  "slice",
  "slice_grad",
  "gather",
  "scatter_add",
  "copy",
  "sgd",
  "adamw",
  "conv2d",
  "conv2d_grad_input",
  "conv2d_grad_weight",
  "layer_norm",
  "compensated_layer_norm",
];

/**
 * Geometry of a 2-D convolution over NCHW input `[n, c, h, w]` with weight
 * `[o, c/groups, kh, kw]` and output `[n, o, oh, ow]` (cross-correlation, zero padding,
 * dilation 1).
 */
export interface Conv2dParams {
  /** Batch. */
  n: number;
  /** Input channels. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Output channels. */
  o: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Output height. */
  oh: number;
  /** Output width. */
  ow: number;
  /** Vertical stride. */
  sh: number;
  /** Horizontal stride. */
  sw: number;
  /** Zero padding on top and bottom. */
  ph: number;
  /** Zero padding left and right. */
  pw: number;
  /** Channel groups (c and o divisible by it; c = o = groups is depthwise). */
  groups: number;
}

/**
 * A CompensatedLayerNorm over the channel axis of an `[n, c, p]` view (`p` positions per
 * image, channel stride `p`; rows of `c` when `p` is 1), METHOD.md: the LayerNorm of the
 * original `width` channels from the `c` kept ones and the `width − c` removed constants
 * (mean `kbar`, centred sum of squares `m2`). Every kept channel has an output.
 */
export interface ClnParams {
  /** Images (or rows). */
  n: number;
  /** Kept channels. */
  c: number;
  /** Positions per image (1 for rows). */
  p: number;
  /** Original channel count `d ≥ c`. */
  width: number;
  /** Mean of the removed constants (0 when none). */
  kbar: number;
  /** Centred sum of squares of the removed constants (0 when none). */
  m2: number;
  /** Added to the variance. */
  eps: number;
}

/** What a backend can do. Ops and tests consult this instead of backend names. */
export interface BackendCapabilities {
  /** Element types it stores and computes in. */
  readonly dtypes: readonly DType[];
  /** Whether `readSync` works (CPU backends) or only `read` (GPU). */
  readonly syncRead: boolean;
  /** Fixed reduction order and no fused multiply-add: results reproducible bit for bit. */
  readonly exact: boolean;
  /** Worker threads its kernels may use. */
  readonly threads: number;
  /** Where the memory lives. */
  readonly device: "cpu" | "gpu";
  /** The kernels it implements. */
  readonly kernels: ReadonlySet<KernelName>;
}

/** Geometry of a (batched) matrix product `out[b] = op(A[b]) · op(B[b])`. */
export interface MatmulParams {
  /** Number of independent products (1 for plain 2-D). */
  batch: number;
  /** Rows of the result. */
  m: number;
  /** Columns of the result. */
  n: number;
  /** Inner dimension. */
  k: number;
  /** A is stored `[k, m]` and used transposed. */
  transA: boolean;
  /** B is stored `[n, k]` and used transposed. */
  transB: boolean;
}

/** Hyper-parameters of one SGD step. */
export interface SgdParams {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (0 = none). */
  momentum: number;
  /** L2 decay added to the gradient. */
  weightDecay: number;
  /** Nesterov momentum. */
  nesterov: boolean;
}

/** Hyper-parameters of one AdamW step (`step` counts from 1). */
export interface AdamWParams {
  /** Learning rate. */
  lr: number;
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator term. */
  eps: number;
  /** Decoupled weight decay. */
  weightDecay: number;
  /** Step number, from 1. */
  step: number;
}

/**
 * A compute backend. Kernels write into caller-allocated `out` storage; shapes were
 * validated by the op layer before any kernel runs. Elementwise kernels allow `out` to
 * alias an input.
 */
export interface Backend {
  /** Short name, e.g. `"js"`. */
  readonly name: string;
  /** What it supports. */
  readonly capabilities: BackendCapabilities;

  /** Zero-filled storage. */
  alloc(dtype: DType, size: number): Storage;
  /**
   * Storage with unspecified contents, for op outputs that kernels overwrite entirely
   * (optional; `alloc` is used when absent).
   */
  allocUninitialized?(dtype: DType, size: number): Storage;
  /** Storage holding a copy of `data`. */
  upload(data: TypedArray): Storage;
  /** A copy of the elements (only when `capabilities.syncRead`). */
  readSync(s: Storage): TypedArray;
  /** A copy of the elements. */
  read(s: Storage): Promise<TypedArray>;
  /** Overwrites storage with `data` (same length). */
  write(s: Storage, data: TypedArray): void;
  /** Returns memory to the backend; the handle must not be used afterwards. */
  free(s: Storage): void;

  /** `out = op(A)·op(B)`, see {@linkcode MatmulParams}. */
  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void;
  /** `out[i] = f(x[i])`. */
  unary(kind: UnaryKind, x: Storage, out: Storage): void;
  /** `out = a ∘ b` with NumPy broadcasting to `outShape`. */
  binary(
    kind: BinaryKind,
    a: Storage,
    aShape: Shape,
    b: Storage,
    bShape: Shape,
    out: Storage,
    outShape: Shape,
  ): void;
  /** `out[i] = x[i]·mul + add`. */
  scalar(x: Storage, mul: number, add: number, out: Storage): void;
  /** Reduction of `x` (shape `shape`) over `axes`; `out` has those axes set to 1. */
  reduce(kind: ReduceKind, x: Storage, shape: Shape, axes: readonly number[], out: Storage): void;
  /** Row-wise softmax (or log-softmax) over the last axis of a `[rows, cols]` view. */
  softmax(x: Storage, rows: number, cols: number, log: boolean, out: Storage): void;
  /** Per-row cross-entropy `-log softmax(x)[label]` of `[rows, cols]` logits into `[rows]`. */
  crossEntropy(x: Storage, labels: Int32Array, rows: number, cols: number, out: Storage): void;
  /** `out[r, labels[r]] = 1`, zeros elsewhere, `[rows, cols]`. */
  oneHot(labels: Int32Array, rows: number, cols: number, out: Storage): void;
  /** `out = x` with axes reordered: `out.shape[i] = shape[perm[i]]`. */
  permute(x: Storage, shape: Shape, perm: readonly number[], out: Storage): void;
  /** `out = x[starts : starts + outShape]`. */
  slice(x: Storage, shape: Shape, starts: readonly number[], out: Storage, outShape: Shape): void;
  /** Zero `out` (shape `shape`) and write `dy` (shape `dyShape`) at `starts`. */
  sliceGrad(
    dy: Storage,
    dyShape: Shape,
    starts: readonly number[],
    out: Storage,
    shape: Shape,
  ): void;
  /** `out` = entries `indices` of `x` along `axis`. */
  gather(x: Storage, shape: Shape, axis: number, indices: Int32Array, out: Storage): void;
  /** Zero `out` (shape `shape`) and add slice `i` of `dy` into slice `indices[i]` along `axis`. */
  scatterAdd(
    dy: Storage,
    dyShape: Shape,
    axis: number,
    indices: Int32Array,
    out: Storage,
    shape: Shape,
  ): void;
  /** `out = x`. */
  copy(x: Storage, out: Storage): void;
  /** In-place SGD step on `param` (velocity may be null when momentum is 0). */
  sgd(param: Storage, grad: Storage, velocity: Storage | null, p: SgdParams): void;
  /** `out = conv2d(x, weight)`, see {@linkcode Conv2dParams}. */
  conv2d(x: Storage, weight: Storage, out: Storage, p: Conv2dParams): void;
  /** Gradient of the input: `dx` (shape `[n, c, h, w]`) from `dy` and the weight. */
  conv2dGradInput(dy: Storage, weight: Storage, dx: Storage, p: Conv2dParams): void;
  /** Gradient of the weight: `dw` (shape `[o, c/groups, kh, kw]`) from `x` and `dy`. */
  conv2dGradWeight(x: Storage, dy: Storage, dw: Storage, p: Conv2dParams): void;
  /**
   * Layer normalization of each row of a `[rows, cols]` view:
   * `out = (x − mean)/sqrt(var + eps)·gamma + beta` with the biased variance.
   */
  layerNorm(
    x: Storage,
    gamma: Storage,
    beta: Storage,
    rows: number,
    cols: number,
    eps: number,
    out: Storage,
  ): void;
  /**
   * CompensatedLayerNorm forward (optional: backends that declare the
   * `compensated_layer_norm` kernel): `out = (x − μ)·rstd·gamma + beta` per position, see
   * {@linkcode ClnParams}.
   */
  compensatedLayerNorm?(
    x: Storage,
    gamma: Storage,
    beta: Storage,
    out: Storage,
    p: ClnParams,
  ): void;
  /**
   * Its gradient: `dx` from `dy`, and `dyXhat = dy·x̂` (summed over images and positions,
   * the gradient of gamma). With the same kernel declaration.
   */
  compensatedLayerNormGrad?(
    x: Storage,
    gamma: Storage,
    dy: Storage,
    dx: Storage,
    dyXhat: Storage,
    p: ClnParams,
  ): void;
  /**
   * Submits device work the backend has queued (optional: WebGPU collects commands in one
   * encoder and submits on a read, a write, every 512 commands, or here; optimizers call
   * it after each step, so a training step is one submit).
   */
  submit?(): void;
  /** Releases threads, devices or other resources the backend holds (optional). */
  dispose?(): void;
  /** In-place AdamW step on `param` with moment buffers `m`, `v`. */
  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamWParams): void;
}
