/** Element types a tensor can hold. `float64` exists for gradient checks on the reference backend. */
export type DType = "float32" | "float64";

/** The typed array that stores a tensor's elements on the CPU. */
export type TypedArray = Float32Array | Float64Array;

/** Allocates a zero-filled typed array of `dtype` with `size` elements. */
export function allocArray(dtype: DType, size: number): TypedArray {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype of a typed array. */
export function dtypeOf(data: TypedArray): DType {
  return data instanceof Float64Array ? "float64" : "float32";
}

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return dtype === "float64" ? 8 : 4;
}
