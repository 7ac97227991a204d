/**
 * The WebGPU backend: every kernel of the backend interface as a WGSL compute shader
 * (`kernels/wgsl/`, embedded in `_gen/shaders.ts`), tensors that stay in GPU buffers
 * across a training step (pooled and reused), pipelines cached by shader name, and
 * asynchronous read-back only when asked (`await tensor.data()`).
 *
 * @module
 */
import {
  ALL_KERNELS,
  type Backend,
  type BackendCapabilities,
  type KernelName,
  type Storage,
  UNARY_KINDS,
} from "../backend.ts";
import type { DType, TypedArray } from "../../tensor/dtype.ts";
import type { Shape } from "../../tensor/shape.ts";
import { BufferPool, type PoolStats } from "./buffer_pool.ts";
import { requestWebGpuDevice, type WebGpuDevice, WebGpuUnavailableError } from "./device.ts";
import { SHADERS } from "./_gen/shaders.ts";
import { flushedCopy } from "../../tensor/subnormal.ts";

const BINARY_IDS = { add: 0, sub: 1, mul: 2, div: 3 } as const;
const MAX_RANK = 6;
const KERNELS: ReadonlySet<KernelName> = new Set(ALL_KERNELS);

/** A tensor's memory: one pooled GPU buffer. */
export class WebGpuStorage implements Storage {
  /** Elements. */
  readonly size: number;
  /** Always float32. */
  readonly dtype: DType = "float32";
  /** The buffer. */
  readonly buffer: GPUBuffer;
  /** Set by `free`. */
  freed = false;

  /** Wraps `buffer` holding `size` floats. */
  constructor(size: number, buffer: GPUBuffer) {
    this.size = size;
    this.buffer = buffer;
  }
}

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

function f32bits(v: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v, true);
  return b.getUint32(0, true);
}

function stridesOf(shape: Shape): number[] {
  const s = new Array(shape.length).fill(0);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

function pad6(v: number[], fill: number): number[] {
  return [...v, ...new Array(MAX_RANK - v.length).fill(fill)];
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
  const device = dev.device;
  const pool = new BufferPool(device);
  const pipelines = new Map<string, GPUComputePipeline>();
  /** Read-back buffers (MAP_READ) by size, reused like the storage pool. */
  const stagingFree = new Map<number, GPUBuffer[]>();
  let lost: string | null = null;
  let firstError: string | null = null;
  device.lost.then((info) => (lost = info.message || info.reason || "unknown reason"));
  device.addEventListener("uncapturederror", (e) => {
    firstError ??= (e as GPUUncapturedErrorEvent).error.message;
  });
  const check = () => {
    if (lost) {
      throw new WebGpuUnavailableError(
        `webgpu: the device was lost (${lost}); create a new backend or use --backend wasm`,
      );
    }
    if (firstError) throw new Error(`webgpu: a GPU command failed: ${firstError}`);
  };
  const buf = (s: Storage) => {
    const w = s as WebGpuStorage;
    if (!(w instanceof WebGpuStorage)) {
      throw new TypeError("webgpu: storage belongs to another backend (move the tensor first)");
    }
    if (w.freed) throw new TypeError("webgpu: storage used after free");
    return w.buffer;
  };
  const pipeline = (name: string) => {
    let p = pipelines.get(name);
    if (!p) {
      const code = SHADERS[name];
      if (!code) throw new Error(`webgpu: no shader "${name}"`);
      p = device.createComputePipeline({
        layout: "auto",
        compute: { module: device.createShaderModule({ code }), entryPoint: "main" },
      });
      pipelines.set(name, p);
    }
    return p;
  };
  const u32Buffer = (values: ArrayLike<number>) => {
    const data = Uint32Array.from(values);
    const b = pool.acquire(Math.max(4, data.byteLength));
    device.queue.writeBuffer(b, 0, data);
    return b;
  };
  /**
   * Runs shader `name` with `bindings` (in binding order; `true` marks the ones it
   * writes), then the parameter words, over `groups` workgroups (or enough 64-thread
   * workgroups for `threads`). A written buffer that is also read goes through a temporary.
   */
  const run = (
    name: string,
    bindings: [GPUBuffer, boolean][],
    prm: number[],
    threads: number,
    groups?: [number, number, number],
  ) => {
    check();
    if (threads === 0 && !groups) return;
    const temps: [GPUBuffer, GPUBuffer][] = [];
    const bound = bindings.map(([b, writes], i) => {
      if (writes && bindings.some(([o], j) => j !== i && o === b)) {
        const t = pool.acquire(b.size);
        temps.push([t, b]);
        return t;
      }
      return b;
    });
    const prmBuf = u32Buffer(prm);
    const p = pipeline(name);
    const bindGroup = device.createBindGroup({
      layout: p.getBindGroupLayout(0),
      entries: [...bound, prmBuf].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    let [x, y, z] = groups ?? [Math.ceil(threads / 64), 1, 1];
    if (!groups && x > 65535) {
      y = Math.ceil(x / 65535);
      x = 65535;
    }
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(p);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    for (const [t, b] of temps) enc.copyBufferToBuffer(t, 0, b, 0, b.size);
    device.queue.submit([enc.finish()]);
    pool.release(prmBuf);
    for (const [t] of temps) pool.release(t);
  };
  const newStorage = (dtype: DType, size: number, zero: boolean): WebGpuStorage => {
    if (dtype !== "float32") {
      throw new RangeError(`webgpu: dtype ${dtype} is not supported (float32 only)`);
    }
    const b = pool.acquire(Math.max(4, size * 4));
    if (zero) {
      const enc = device.createCommandEncoder();
      enc.clearBuffer(b);
      device.queue.submit([enc.finish()]);
    }
    return new WebGpuStorage(size, b);
  };
  const dummy = pool.acquire(4);
  const indexMap = (
    x: Storage,
    out: Storage,
    outShape: Shape,
    xStrides: number[],
    base: number,
    lo: number[],
    size: number[],
  ) =>
    run("index_map", [[buf(x), false], [buf(out), true]], [
      out.size,
      outShape.length,
      base,
      ...pad6([...outShape], 1),
      ...pad6(xStrides, 0),
      ...pad6(lo, 0),
      ...pad6(size, 1),
    ], out.size);
  const convPrm = (n: number, p: import("../backend.ts").Conv2dParams) => [
    n,
    p.n,
    p.c,
    p.h,
    p.w,
    p.o,
    p.kh,
    p.kw,
    p.oh,
    p.ow,
    p.sh,
    p.sw,
    p.ph,
    p.pw,
    p.groups,
  ];

  const capabilities: BackendCapabilities = {
    dtypes: ["float32"],
    syncRead: false,
    exact: false,
    threads: 1,
    device: "gpu",
    kernels: KERNELS,
  };

  const backend: WebGpuBackend = {
    name: "webgpu",
    capabilities,
    device,
    adapter: (dev.info.description || `${dev.info.vendor} ${dev.info.architecture}`).trim() +
      (dev.fallback ? " (software)" : ""),
    fallback: dev.fallback,
    stats: () => pool.stats(),
    alloc: (dtype, size) => newStorage(dtype, size, true),
    allocUninitialized: (dtype, size) => newStorage(dtype, size, false),
    upload: (data: TypedArray) => {
      if (!(data instanceof Float32Array)) {
        throw new RangeError("webgpu: only float32 data can be uploaded (float32 only)");
      }
      const s = newStorage("float32", data.length, false);
      if (data.length) device.queue.writeBuffer(s.buffer, 0, flushedCopy(data));
      return s;
    },
    readSync: () => {
      throw new TypeError("webgpu: reads are asynchronous; use await tensor.data()");
    },
    read: async (s) => {
      check();
      const src = buf(s);
      const bytes = s.size * 4;
      if (bytes === 0) return new Float32Array(0);
      const size = BufferPool.bucket(bytes);
      const staging = stagingFree.get(size)?.pop() ??
        device.createBuffer({ size, usage: 0x01 /* MAP_READ */ | 0x08 /* COPY_DST */ });
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(src, 0, staging, 0, bytes);
      device.queue.submit([enc.finish()]);
      try {
        await staging.mapAsync(0x0001 /* GPUMapMode.READ */);
      } catch (e) {
        staging.destroy();
        check();
        throw e;
      }
      const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      stagingFree.set(size, [...(stagingFree.get(size) ?? []), staging]);
      check();
      return out;
    },
    write: (s, data) => {
      if (data.length !== s.size) {
        throw new RangeError(`webgpu: write of ${data.length} values into ${s.size} elements`);
      }
      device.queue.writeBuffer(buf(s), 0, flushedCopy(data));
    },
    free: (s) => {
      const w = s as WebGpuStorage;
      if (!(w instanceof WebGpuStorage) || w.freed) return;
      w.freed = true;
      pool.release(w.buffer);
    },
    matmul: (a, b, out, p) =>
      run(
        "matmul",
        [[buf(a), false], [buf(b), false], [buf(out), true]],
        [p.m, p.n, p.k, +p.transA, +p.transB],
        0,
        [Math.ceil(p.n / 16), Math.ceil(p.m / 16), p.batch],
      ),
    unary: (kind, x, out) =>
      run(
        "unary",
        [[buf(x), false], [buf(out), true]],
        [out.size, UNARY_KINDS.indexOf(kind)],
        out.size,
      ),
    binary: (kind, a, aShape, b, bShape, out, outShape) => {
      const r = outShape.length;
      if (r > MAX_RANK) throw new RangeError(`webgpu: binary ops support rank ≤ ${MAX_RANK}`);
      const bstr = (s: Shape) => {
        const full = [...new Array(r - s.length).fill(1), ...s];
        const st = stridesOf(full);
        return full.map((d, i) => (d === 1 ? 0 : st[i]));
      };
      run("binary", [[buf(a), false], [buf(b), false], [buf(out), true]], [
        out.size,
        BINARY_IDS[kind],
        r,
        ...pad6([...outShape], 1),
        ...pad6(bstr(aShape), 0),
        ...pad6(bstr(bShape), 0),
      ], out.size);
    },
    scalar: (x, mul, add, out) =>
      run(
        "scalar",
        [[buf(x), false], [buf(out), true]],
        [out.size, f32bits(mul), f32bits(add)],
        out.size,
      ),
    reduce: (kind, x, shape, axes, out) => {
      if (shape.length > MAX_RANK) {
        throw new RangeError(`webgpu: reductions support rank ≤ ${MAX_RANK}`);
      }
      const sorted = [...axes].sort((p, q) => p - q);
      const st = stridesOf(shape);
      const outShape = shape.map((d, i) => (sorted.includes(i) ? 1 : d));
      const count = sorted.reduce((p, ax) => p * shape[ax], 1);
      const redDims = [
        ...new Array(MAX_RANK - sorted.length).fill(1),
        ...sorted.map((ax) => shape[ax]),
      ];
      const redStrides = [
        ...new Array(MAX_RANK - sorted.length).fill(0),
        ...sorted.map((ax) => st[ax]),
      ];
      run("reduce", [[buf(x), false], [buf(out), true]], [
        out.size,
        kind === "max" ? 1 : 0,
        shape.length,
        count,
        ...pad6(outShape, 1),
        ...pad6(st, 0),
        ...redDims,
        ...redStrides,
      ], out.size);
    },
    softmax: (x, rows, cols, log, out) =>
      run("softmax", [[buf(x), false], [dummy, false], [buf(out), true]], [rows, cols, +log], rows),
    crossEntropy: (x, labels, rows, cols, out) => {
      const lb = u32Buffer(labels);
      run("softmax", [[buf(x), false], [lb, false], [buf(out), true]], [rows, cols, 2], rows);
      pool.release(lb);
    },
    oneHot: (labels, rows, cols, out) => {
      const lb = u32Buffer(labels);
      run("one_hot", [[lb, false], [buf(out), true]], [rows * cols, cols], rows * cols);
      pool.release(lb);
    },
    permute: (x, shape, perm, out) => {
      const st = stridesOf(shape);
      const outShape = perm.map((p) => shape[p]);
      indexMap(x, out, outShape, perm.map((p) => st[p]), 0, outShape.map(() => 0), outShape);
    },
    slice: (x, shape, starts, out, outShape) => {
      const st = stridesOf(shape);
      const base = starts.reduce((s, v, i) => s + v * st[i], 0);
      indexMap(x, out, outShape, st, base, outShape.map(() => 0), [...outShape]);
    },
    sliceGrad: (dy, dyShape, starts, out, shape) =>
      indexMap(dy, out, shape, stridesOf(dyShape), 0, [...starts], [...dyShape]),
    gather: (x, shape, axis, indices, out) => {
      const outer = shape.slice(0, axis).reduce((p, q) => p * q, 1);
      const inner = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
      const ib = u32Buffer(indices.length ? indices : [0]);
      run("gather", [[buf(x), false], [ib, false], [buf(out), true]], [
        outer * indices.length * inner,
        0,
        shape[axis],
        indices.length,
        inner,
      ], out.size);
      pool.release(ib);
    },
    scatterAdd: (dy, _dyShape, axis, indices, out, shape) => {
      const inner = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
      const ib = u32Buffer(indices.length ? indices : [0]);
      run("gather", [[buf(dy), false], [ib, false], [buf(out), true]], [
        out.size,
        1,
        shape[axis],
        indices.length,
        inner,
      ], out.size);
      pool.release(ib);
    },
    copy: (x, out) => {
      check();
      if (x.size === 0) return;
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(buf(x), 0, buf(out), 0, x.size * 4);
      device.queue.submit([enc.finish()]);
    },
    sgd: (w, g, v, p) =>
      run("sgd", [[buf(w), true], [buf(g), false], [v ? buf(v) : dummy, true]], [
        w.size,
        f32bits(p.lr),
        f32bits(p.momentum),
        f32bits(p.weightDecay),
        +p.nesterov,
        v ? 1 : 0,
      ], w.size),
    adamw: (w, g, m, v, p) =>
      run("adamw", [[buf(w), true], [buf(g), false], [buf(m), true], [buf(v), true]], [
        w.size,
        f32bits(p.lr),
        f32bits(p.beta1),
        f32bits(p.beta2),
        f32bits(p.eps),
        f32bits(p.weightDecay),
        f32bits(1 - Math.pow(p.beta1, p.step)),
        f32bits(1 - Math.pow(p.beta2, p.step)),
      ], w.size),
    layerNorm: (x, g, b, rows, cols, eps, out) =>
      run(
        "layer_norm",
        [[buf(x), false], [buf(g), false], [buf(b), false], [buf(out), true]],
        [rows, cols, f32bits(eps)],
        rows,
      ),
    conv2d: (x, w, out, p) =>
      run(
        "conv2d",
        [[buf(x), false], [buf(w), false], [buf(out), true]],
        convPrm(out.size, p),
        out.size,
      ),
    conv2dGradInput: (dy, w, dx, p) =>
      run(
        "conv2d_grad_input",
        [[buf(dy), false], [buf(w), false], [buf(dx), true]],
        convPrm(dx.size, p),
        dx.size,
      ),
    conv2dGradWeight: (x, dy, dw, p) =>
      run(
        "conv2d_grad_weight",
        [[buf(x), false], [buf(dy), false], [buf(dw), true]],
        convPrm(dw.size, p),
        dw.size,
      ),
    dispose: () => {
      pool.destroy();
      for (const list of stagingFree.values()) for (const b of list) b.destroy();
      device.destroy();
    },
  };
  return backend;
}
