/**
 * What every kernel family of the WebGPU backend shares: the device, the buffer pool, the
 * pipeline cache, error checks and the dispatch of one shader (`run`). The families
 * (matmul.ts, conv.ts, elementwise.ts, …) each turn a context into their part of the
 * `Backend`; webgpu_backend.ts assembles them.
 *
 * @module
 */
import type { Storage } from "../backend.ts";
import type { DType } from "../../tensor/dtype.ts";
import type { Shape } from "../../tensor/shape.ts";
import { BufferPool } from "./buffer_pool.ts";
import { type WebGpuDevice, WebGpuUnavailableError } from "./device.ts";
import { SHADERS } from "./_gen/shaders.ts";
import { WebGpuStorage } from "./storage.ts";

/** Highest rank the shaders take. */
export const MAX_RANK = 6;

/** The bits of `v` as a float32, for parameter words. */
export function f32bits(v: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v, true);
  return b.getUint32(0, true);
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array(shape.length).fill(0);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** `v` padded with `fill` to the shaders' maximum rank. */
export function pad6(v: number[], fill: number): number[] {
  return [...v, ...new Array(MAX_RANK - v.length).fill(fill)];
}

/** The shared state and helpers of one WebGPU backend. */
export interface GpuContext {
  /** The device. */
  readonly device: GPUDevice;
  /** Storage buffers, pooled by size. */
  readonly pool: BufferPool;
  /** Read-back buffers (MAP_READ) by size, reused like the storage pool. */
  readonly stagingFree: Map<number, GPUBuffer[]>;
  /** A 4-byte buffer for unused bindings. */
  readonly dummy: GPUBuffer;
  /** Throws if the device was lost or a command failed. */
  check(): void;
  /** The buffer of this backend's live storage `s`, or a `TypeError`. */
  buf(s: Storage): GPUBuffer;
  /** A pooled buffer holding `values` as u32 words (release it after use). */
  u32Buffer(values: ArrayLike<number>): GPUBuffer;
  /**
   * Runs shader `name` with `bindings` (in binding order; `true` marks the ones it
   * writes), then the parameter words, over `groups` workgroups (or enough 64-thread
   * workgroups for `threads`). A written buffer that is also read goes through a temporary.
   */
  run(
    name: string,
    bindings: [GPUBuffer, boolean][],
    prm: number[],
    threads: number,
    groups?: [number, number, number],
  ): void;
  /** New storage, cleared when `zero`. */
  newStorage(dtype: DType, size: number, zero: boolean): WebGpuStorage;
  /**
   * The command encoder that collects this backend's work (dispatches, copies, clears)
   * until {@linkcode GpuContext.flush}: one submit per training step instead of one per op.
   */
  encoder(): GPUCommandEncoder;
  /** Submits the collected commands (if any) and makes released buffers reusable. */
  flush(): void;
}

/** Commands collected before a submit is forced (bounds the encoder's size). */
const MAX_PENDING = 512;

/** The context of a backend on `dev`. */
export function createGpuContext(dev: WebGpuDevice): GpuContext {
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
  let open: GPUCommandEncoder | null = null, pending = 0;
  const encoder = () => (open ??= device.createCommandEncoder());
  const flush = () => {
    if (open) device.queue.submit([open.finish()]);
    open = null;
    pending = 0;
    pool.settle();
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
    const enc = encoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(p);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    for (const [t, b] of temps) enc.copyBufferToBuffer(t, 0, b, 0, b.size);
    pool.release(prmBuf);
    for (const [t] of temps) pool.release(t);
    if (++pending >= MAX_PENDING) flush();
  };
  const newStorage = (dtype: DType, size: number, zero: boolean): WebGpuStorage => {
    if (dtype !== "float32") {
      throw new RangeError(`webgpu: dtype ${dtype} is not supported (float32 only)`);
    }
    const b = pool.acquire(Math.max(4, size * 4));
    if (zero) encoder().clearBuffer(b);
    return new WebGpuStorage(size, b);
  };
  const dummy = pool.acquire(4);
  return {
    device,
    pool,
    stagingFree,
    dummy,
    check,
    buf,
    u32Buffer,
    run,
    newStorage,
    encoder,
    flush,
  };
}
