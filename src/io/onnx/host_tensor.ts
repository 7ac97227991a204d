/**
 * Host tensors: ONNX values as plain arrays, what the importer folds constants with and
 * what ONNX ops without a layer of their own compute on. Every element type is held as
 * `Float64Array` (int64 beyond 2⁵³ loses precision; strings and complex types are not
 * supported); `dtype` keeps the ONNX element type for outputs and export.
 *
 * @module
 */

/** ONNX element types squeeze reads (`TensorProto.DataType` codes). */
export const ELEM_TYPES: Readonly<Record<number, string>> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  16: "bfloat16",
};

/** An ONNX element type name (a value of {@linkcode ELEM_TYPES}). */
export type ElemType = string;

/** A tensor on the host. */
export interface HostTensor {
  /** Element type name (`float32`, `int64`, `bool`, …). */
  dtype: ElemType;
  /** Axis sizes (empty for a scalar). */
  dims: number[];
  /** Elements, row-major. */
  data: Float64Array;
}

/** The element count of `dims`. */
export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((p, q) => p * q, 1);
}

/** A host tensor from its parts. */
export function hostTensor(dtype: ElemType, dims: number[], data: ArrayLike<number>): HostTensor {
  if (data.length !== sizeOf(dims)) {
    throw new RangeError(`hostTensor: ${data.length} elements for dims [${dims.join(",")}]`);
  }
  return { dtype, dims, data: Float64Array.from(data) };
}

/** The ONNX type code of an element type name. */
export function elemTypeCode(t: ElemType): number {
  const e = Object.entries(ELEM_TYPES).find(([, n]) => n === t);
  if (!e) throw new RangeError(`no ONNX element type named "${t}"`);
  return Number(e[0]);
}

/** Rounds `x` as element type `t` stores it (casts, integer division). */
export function roundAs(t: ElemType, data: Float64Array): Float64Array {
  switch (t) {
    case "float32":
    case "float16":
    case "bfloat16":
      return data.map(Math.fround);
    case "float64":
      return data;
    case "bool":
      return data.map((v) => (v !== 0 ? 1 : 0));
    default:
      return data.map((v) => (Number.isFinite(v) ? Math.trunc(v) : 0));
  }
}

/** The most elements one tensor may declare (guards against absurd dims). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Checks declared dims: non-negative integers whose product stays below {@linkcode MAX_ELEMENTS}. */
export function checkDims(dims: readonly number[], where: string): void {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new SyntaxError(`${where}: bad dimension ${d} in [${dims.join(",")}]`);
    }
    n *= d;
    if (n > MAX_ELEMENTS) {
      throw new SyntaxError(`${where}: dims [${dims.join(",")}] declare more than 2³¹ elements`);
    }
  }
}

/** The most elements a host op's result may have (1 GiB of float64). */
export const HOST_MAX_ELEMENTS = 2 ** 27;

/**
 * A zeroed host array of `n` elements; throws `RangeError` naming `what` above
 * {@linkcode HOST_MAX_ELEMENTS}, so a corrupt shape cannot ask for unbounded memory.
 */
export function allocHost(n: number, what: string): Float64Array {
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= HOST_MAX_ELEMENTS)) {
    throw new RangeError(`${what}: a result of ${n} elements is larger than the host allows (2²⁷)`);
  }
  return new Float64Array(n);
}
