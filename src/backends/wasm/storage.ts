/**
 * The Wasm backend's tensor storage: a block of float32 values in its memory arena.
 *
 * @module
 */
import type { Storage } from "../backend.ts";
import type { DType } from "../../tensor/dtype.ts";

/** Storage in the Wasm arena: `size` float32 values at byte offset `ptr`. */
export class WasmStorage implements Storage {
  /** Byte offset in the Wasm memory. */
  readonly ptr: number;
  /** Number of elements. */
  readonly size: number;
  /** Always float32. */
  readonly dtype: DType = "float32";
  /** Set once the block went back to the arena. */
  freed = false;
  /** The backend that owns it. */
  readonly owner: object;
  /** A handle for `size` floats at `ptr`, owned by `owner`. */
  constructor(ptr: number, size: number, owner: object) {
    this.ptr = ptr;
    this.size = size;
    this.owner = owner;
  }
}
