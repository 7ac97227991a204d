/**
 * Test helper (not a test): small ONNX models written node by node, for import and export
 * regressions. Whole-number attributes are INT unless their name is a float one.
 */
import { encodeModelProto, type NodeInit, tensorValueInfo } from "../../../src/io/onnx/proto.ts";
import { toTensorProto } from "../../../src/io/onnx/tensor_proto_write.ts";

const FLOATS = /eps|alpha|beta|momentum|ratio/;

/** A node of `op`; attributes from plain values. */
export function node(
  op: string,
  input: string[],
  output: string[],
  attrs: Record<string, number | number[] | string> = {},
): NodeInit {
  return {
    opType: op,
    input,
    output,
    name: `${output[0]}:${op}`,
    attribute: Object.entries(attrs).map(([name, v]) => {
      if (typeof v === "number") {
        return Number.isInteger(v) && !FLOATS.test(name)
          ? { name, type: 2, i: BigInt(v) }
          : { name, type: 1, f: v };
      }
      if (typeof v === "string") return { name, type: 3, s: new TextEncoder().encode(v) };
      return { name, type: 7, ints: v.map(BigInt) };
    }),
  };
}

/** A float32 initializer. */
export function f32(name: string, dims: number[], data: ArrayLike<number>) {
  return toTensorProto({ dtype: "float32", dims, data: Float64Array.from(data) }, name);
}

/** A model of `nodes` (float inputs by name and dims, "N" symbolic) at `opset`. */
export function onnxModel(
  nodes: NodeInit[],
  inits: ReturnType<typeof f32>[],
  inputs: [string, (number | string)[], number?][],
  outputs: string[],
  opset = 17,
): Uint8Array {
  return encodeModelProto({
    irVersion: 8n,
    opsetImport: [{ domain: "", version: BigInt(opset) }],
    graph: {
      name: "g",
      node: nodes,
      initializer: inits,
      input: inputs.map(([n, d, t]) => tensorValueInfo(n, d, t ?? 1)),
      output: outputs.map((o) => tensorValueInfo(o, undefined)),
    },
  });
}

/** Seeded values in [-1, 1). */
export function values(n: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}
