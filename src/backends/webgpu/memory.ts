/**
 * Memory kernels of the WebGPU backend: allocation from the buffer pool, upload and write
 * (flushed to zero), asynchronous read-back through reused staging buffers, free and copy.
 * Copies are recorded into the backend's command encoder; a read or a write submits it.
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";
import { BufferPool } from "./buffer_pool.ts";
import { WebGpuStorage } from "./storage.ts";
import { flushedCopy } from "../../tensor/subnormal.ts";
import type { GpuContext } from "./context.ts";

/** The memory part of the backend. */
export function memoryKernels(
  ctx: GpuContext,
): Required<
  Pick<
    Backend,
    "alloc" | "allocUninitialized" | "upload" | "readSync" | "read" | "write" | "free" | "copy"
  >
> {
  const { device, check, buf, newStorage, pool, stagingFree, encoder, flush } = ctx;
  return {
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
      encoder().copyBufferToBuffer(src, 0, staging, 0, bytes);
      flush();
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
      flush(); // commands recorded before the write read the old contents
      device.queue.writeBuffer(buf(s), 0, flushedCopy(data));
    },
    free: (s) => {
      const w = s as WebGpuStorage;
      if (!(w instanceof WebGpuStorage) || w.freed) return;
      w.freed = true;
      pool.release(w.buffer);
    },
    copy: (x, out) => {
      check();
      if (x.size === 0) return;
      encoder().copyBufferToBuffer(buf(x), 0, buf(out), 0, x.size * 4);
    },
  };
}
