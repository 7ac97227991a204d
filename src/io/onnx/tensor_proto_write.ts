/**
 * Host tensors → ONNX `TensorProto` messages (raw little-endian data), for export.
 *
 * @module
 */
import { elemTypeCode, type HostTensor } from "./host_tensor.ts";
import { type TensorProto, tensorProto } from "./proto.ts";

/** A host tensor as a `TensorProto` (raw little-endian data) named `name`. */
export function toTensorProto(h: HostTensor, name: string): TensorProto {
  const n = h.data.length;
  let raw: Uint8Array;
  switch (h.dtype) {
    case "float32":
      raw = new Uint8Array(Float32Array.from(h.data).buffer);
      break;
    case "float64":
      raw = new Uint8Array(Float64Array.from(h.data).buffer);
      break;
    case "int64": {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(Math.trunc(h.data[i]));
      raw = new Uint8Array(a.buffer);
      break;
    }
    case "int32":
      raw = new Uint8Array(Int32Array.from(h.data).buffer);
      break;
    case "bool":
    case "uint8":
      raw = Uint8Array.from(h.data);
      break;
    case "int8":
      raw = new Uint8Array(Int8Array.from(h.data).buffer);
      break;
    default:
      throw new RangeError(`toTensorProto: cannot write element type ${h.dtype} (${name})`);
  }
  return tensorProto({
    name,
    dims: h.dims.map(BigInt),
    dataType: elemTypeCode(h.dtype),
    rawData: raw,
  });
}
