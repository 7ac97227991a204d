/**
 * The WebGPU backend's tensor storage: one pooled GPU buffer.
 *
 * @module
 */
import type { Storage } from "../backend.ts";
import type { DType } from "../../tensor/dtype.ts";

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
