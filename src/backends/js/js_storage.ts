import type { Storage } from "../backend.ts";
import { type DType, dtypeOf, type TypedArray } from "../../tensor/dtype.ts";

/** Storage of the reference backend: a plain typed array. */
export class JsStorage implements Storage {
  /** The elements. */
  readonly data: TypedArray;
  constructor(data: TypedArray) {
    this.data = data;
  }
  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }
  /** Element type. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }
}

/** The typed array behind a reference-backend storage; throws on a foreign handle. */
export function arr(s: Storage): TypedArray {
  if (!(s instanceof JsStorage)) {
    throw new TypeError(`js backend: storage ${s?.constructor?.name} belongs to another backend`);
  }
  return s.data;
}
