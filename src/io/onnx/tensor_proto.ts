/**
 * ONNX `TensorProto` messages ↔ host tensors: every storage form (raw data, typed
 * fields, external data) on read; raw little-endian data on write.
 *
 * @module
 */
import { num, type OnnxTensor } from "./onnx_types.ts";
import { checkDims, ELEM_TYPES, type ElemType, type HostTensor, sizeOf } from "./host_tensor.ts";

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function fromRaw(t: ElemType, raw: Uint8Array, n: number, where: string): Float64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const width: Record<string, number> = {
    float32: 4,
    float64: 8,
    int64: 8,
    uint64: 8,
    int32: 4,
    uint32: 4,
    int16: 2,
    uint16: 2,
    float16: 2,
    bfloat16: 2,
    int8: 1,
    uint8: 1,
    bool: 1,
  };
  const w = width[t];
  if (raw.byteLength !== n * w) {
    throw new SyntaxError(
      `${where}: raw data holds ${raw.byteLength} bytes, ${n} ${t} elements need ${n * w}`,
    );
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * w;
    switch (t) {
      case "float32":
        out[i] = dv.getFloat32(o, true);
        break;
      case "float64":
        out[i] = dv.getFloat64(o, true);
        break;
      case "int64":
        out[i] = Number(dv.getBigInt64(o, true));
        break;
      case "uint64":
        out[i] = Number(dv.getBigUint64(o, true));
        break;
      case "int32":
        out[i] = dv.getInt32(o, true);
        break;
      case "uint32":
        out[i] = dv.getUint32(o, true);
        break;
      case "int16":
        out[i] = dv.getInt16(o, true);
        break;
      case "uint16":
        out[i] = dv.getUint16(o, true);
        break;
      case "float16":
        out[i] = halfToFloat(dv.getUint16(o, true));
        break;
      case "bfloat16":
        out[i] = new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0];
        break;
      case "int8":
        out[i] = dv.getInt8(o);
        break;
      default:
        out[i] = dv.getUint8(o);
    }
  }
  return out;
}

/**
 * A `TensorProto` as a host tensor. Reads every storage form: `raw_data`, the typed
 * fields (`float_data`, `int64_data`, …) and external data (through `external`).
 * Throws `SyntaxError` naming `where` on a size that does not match the dims.
 */
export function fromTensorProto(
  t: OnnxTensor,
  where: string,
  external?: ExternalReader,
): HostTensor {
  const code = t.dataType ?? 0;
  const dtype = ELEM_TYPES[code];
  if (!dtype) {
    throw new SyntaxError(`${where}: unsupported tensor element type ${code}`);
  }
  const dims = (t.dims ?? []).map(num);
  checkDims(dims, where);
  const n = sizeOf(dims);
  let data: Float64Array;
  if (t.dataLocation === 1) {
    const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
    const loc = kv.get("location");
    if (!loc) throw new SyntaxError(`${where}: external data without a location`);
    if (!external) throw new SyntaxError(`${where}: external data "${loc}" but no file to read`);
    const raw = external(loc, Number(kv.get("offset") ?? 0), Number(kv.get("length") ?? -1));
    data = fromRaw(dtype, raw, n, where);
  } else if (t.rawData && t.rawData.length > 0) {
    data = fromRaw(dtype, t.rawData, n, where);
  } else {
    const typed: ArrayLike<unknown> | null | undefined = dtype === "float32"
      ? t.floatData
      : dtype === "float64"
      ? t.doubleData
      : dtype === "int64"
      ? t.int64Data
      : dtype === "uint64" || dtype === "uint32"
      ? t.uint64Data
      : t.int32Data;
    const src = typed ?? [];
    if (src.length !== n) {
      throw new SyntaxError(`${where}: ${src.length} elements stored, dims [${dims}] need ${n}`);
    }
    data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = num(src[i]);
    if (dtype === "float16") data = data.map(halfToFloat);
    if (dtype === "bfloat16") {
      data = data.map((v) => new Float32Array(new Uint32Array([v << 16]).buffer)[0]);
    }
  }
  return { dtype, dims, data };
}

/** Reads external tensor data: (location, offset, length or -1) → bytes. */
export type ExternalReader = (location: string, offset: number, length: number) => Uint8Array;
