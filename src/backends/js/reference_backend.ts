import {
  ALL_KERNELS,
  type Backend,
  type BackendCapabilities,
  type KernelName,
  type Storage,
} from "../backend.ts";
import { allocArray, type DType, type TypedArray } from "../../tensor/dtype.ts";
import { arr, JsStorage } from "./js_storage.ts";
import { binaryLoop, unaryLoop } from "./elementwise.ts";
import { matmulLoop } from "./matmul.ts";
import { clnGradLoop, clnLoop } from "./cln.ts";
import { crossEntropyLoop, layerNormLoop, reduceLoop, softmaxLoop } from "./reduce.ts";
import { gatherLoop, permuteLoop, scatterAddLoop, sliceGradLoop, sliceLoop } from "./indexing.ts";
import { adamwLoop, sgdLoop } from "./optim.ts";
import { conv2dGradInputLoop, conv2dGradWeightLoop, conv2dLoop } from "./conv.ts";

const KERNELS: ReadonlySet<KernelName> = new Set(ALL_KERNELS);

/**
 * Creates the TypeScript reference backend: plain readable loops over typed arrays,
 * float32 and float64, single thread, exact (fixed order, float64 accumulation in
 * matmul and reductions). It is the oracle every other backend is tested against.
 *
 * @example
 * ```ts
 * import { createReferenceBackend } from "./reference_backend.ts";
 * const js = createReferenceBackend();
 * console.assert(js.capabilities.dtypes.includes("float64"));
 * ```
 */
export function createReferenceBackend(): Backend {
  const capabilities: BackendCapabilities = {
    dtypes: ["float32", "float64"],
    syncRead: true,
    exact: true,
    threads: 1,
    device: "cpu",
    kernels: KERNELS,
  };
  return {
    name: "js",
    capabilities,
    alloc: (dtype: DType, size: number) => new JsStorage(allocArray(dtype, size)),
    upload: (data: TypedArray) => new JsStorage(data.slice()),
    readSync: (s: Storage) => arr(s).slice(),
    read: (s: Storage) => Promise.resolve(arr(s).slice()),
    write: (s: Storage, data: TypedArray) => arr(s).set(data),
    free: () => {},
    matmul: (a, b, out, p) => matmulLoop(arr(a), arr(b), arr(out), p),
    unary: (kind, x, out) => unaryLoop(kind, arr(x), arr(out)),
    binary: (kind, a, as, b, bs, out, os) => binaryLoop(kind, arr(a), as, arr(b), bs, arr(out), os),
    scalar: (x, mul, add, out) => {
      const xa = arr(x), oa = arr(out);
      for (let i = 0; i < xa.length; i++) oa[i] = xa[i] * mul + add;
    },
    reduce: (kind, x, shape, axes, out) => reduceLoop(kind, arr(x), shape, axes, arr(out)),
    softmax: (x, rows, cols, log, out) => softmaxLoop(arr(x), rows, cols, log, arr(out)),
    crossEntropy: (x, labels, rows, cols, out) =>
      crossEntropyLoop(arr(x), labels, rows, cols, arr(out)),
    oneHot: (labels, rows, cols, out) => {
      const o = arr(out);
      o.fill(0);
      for (let r = 0; r < rows; r++) o[r * cols + labels[r]] = 1;
    },
    permute: (x, shape, perm, out) => permuteLoop(arr(x), shape, perm, arr(out)),
    slice: (x, shape, starts, out, outShape) =>
      sliceLoop(arr(x), shape, starts, arr(out), outShape),
    sliceGrad: (dy, dyShape, starts, out, shape) =>
      sliceGradLoop(arr(dy), dyShape, starts, arr(out), shape),
    gather: (x, shape, axis, idx, out) => gatherLoop(arr(x), shape, axis, idx, arr(out)),
    scatterAdd: (dy, dyShape, axis, idx, out, shape) =>
      scatterAddLoop(arr(dy), dyShape, axis, idx, arr(out), shape),
    copy: (x, out) => arr(out).set(arr(x)),
    sgd: (w, g, v, p) => sgdLoop(arr(w), arr(g), v ? arr(v) : null, p),
    adamw: (w, g, m, v, p) => adamwLoop(arr(w), arr(g), arr(m), arr(v), p),
    layerNorm: (x, g, b, rows, cols, eps, out) =>
      layerNormLoop(arr(x), arr(g), arr(b), rows, cols, eps, arr(out)),
    compensatedLayerNorm: (x, g, b, out, p) => clnLoop(arr(x), arr(g), arr(b), arr(out), p),
    compensatedLayerNormGrad: (x, g, dy, dx, h, p) =>
      clnGradLoop(arr(x), arr(g), arr(dy), arr(dx), arr(h), p),
    conv2d: (x, w, out, p) => conv2dLoop(arr(x), arr(w), arr(out), p),
    conv2dGradInput: (dy, w, dx, p) => conv2dGradInputLoop(arr(dy), arr(w), arr(dx), p),
    conv2dGradWeight: (x, dy, dw, p) => conv2dGradWeightLoop(arr(x), arr(dy), arr(dw), p),
  };
}
