/**
 * Layer ops for ONNX nodes that have no squeeze layer op of their own: they run the
 * ONNX operator on the host (`io/onnx/host_ops`), so an imported model whose every op
 * runs loads and runs even where minimization does not understand an op.
 *
 * - `onnx`: any ONNX node (one output of it); channel kind `opaque`, so minimization
 *   keeps every channel around it — exact, never a guess. Its parameters (large float
 *   initializers) are slots `p0`…`p7`; small constants are inline.
 * - `onnx_unary`: an elementwise ONNX op of one runtime input whose other operands are
 *   scalars (`Clip`, `LeakyRelu`, `HardSigmoid`, `Erf`, `Mul` by a constant, the
 *   decomposed GELU, …): `channelwise`, with the constant rule computed by the op itself,
 *   so minimization removes and folds channels through it.
 *
 * Attributes of both: `op_type`, `opset`, `onnx` (the node's attributes as JSON),
 * `operands` (per ONNX input in order: `"x0"`… a runtime input, `"p0"`… a parameter,
 * null an omitted input, or an inline tensor `{ dtype, dims, data }`), `dtypes` (the ONNX
 * element type of each runtime input), optional `syms` (per runtime input that is a shape
 * vector: its entries, `"N"` for the batch size, so shape inference probes it with real
 * values) and `output` (which ONNX output the node is).
 * They have no gradient: a model with such nodes runs and is minimized, but cannot train.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { tensor } from "../tensor/create.ts";
import { attrFromJson, type OnnxAttr } from "../io/onnx/attributes.ts";
import { allocHost, type HostTensor, sizeOf } from "../io/onnx/host_tensor.ts";
import { HOST_OPS } from "../io/onnx/host_ops/index.ts";
import type { AttrValue, SymShape } from "./ir.ts";
import type { LayerOp, ParamSlot } from "./layer_op.ts";

type Attrs = Readonly<Record<string, AttrValue>>;

/** The parameter slots of a generic ONNX node. */
export const ONNX_PARAM_SLOTS: readonly ParamSlot[] = Array.from(
  { length: 8 },
  (_, i) => ({ role: `p${i}`, optional: true }),
);

function onnxAttrs(a: Attrs): Record<string, OnnxAttr> {
  const out: Record<string, OnnxAttr> = {};
  for (const [k, v] of Object.entries((a.onnx ?? {}) as Record<string, AttrValue>)) {
    out[k] = attrFromJson(v);
  }
  return out;
}

/** Runs the node's ONNX op on host operands; returns its output `attrs.output`. */
function evalNode(
  node: string,
  a: Attrs,
  runtime: readonly HostTensor[],
  param: (role: string) => HostTensor,
): HostTensor {
  const type = a.op_type as string;
  const op = HOST_OPS.get(type);
  if (!op) throw new RangeError(`${node}: ONNX op "${type}" has no host implementation`);
  const operands = (a.operands as AttrValue[]).map((o) => {
    if (o === null) return undefined;
    if (typeof o === "string") {
      return o[0] === "x" ? runtime[Number(o.slice(1))] : param(o);
    }
    return attrFromJson(o) as HostTensor;
  });
  const outs = op(operands, onnxAttrs(a), {
    node,
    opset: a.opset as number,
    outputs: (a.outputs as number | undefined) ?? 1,
  });
  const k = (a.output as number | undefined) ?? 0;
  if (!outs[k]) throw new RangeError(`${node}: ONNX ${type} gave no output ${k}`);
  return outs[k];
}

const inferCache = new Map<string, { shape: SymShape; dtype: string }>();

/**
 * Output shape and element type by running the op on zeros with the batch size 2 and 3 in place of -1:
 * an axis that follows the batch becomes -1, one that does not keeps its size.
 */
export function genericOutput(
  node: string,
  inputs: readonly SymShape[],
  params: Readonly<Record<string, readonly number[]>>,
  a: Attrs,
): { shape: SymShape; dtype: string } {
  const key = JSON.stringify([inputs, params, a]);
  const hit = inferCache.get(key);
  if (hit) return hit;
  const dtypes = (a.dtypes ?? []) as string[];
  const syms = (a.syms ?? {}) as Record<string, AttrValue>;
  let dtype = "float32";
  const run = (b: number) => {
    const ins = inputs.map((s, i) => {
      const dims = s.map((d) => (d === -1 ? b : d));
      const sym = syms[i] as (number | string)[] | undefined;
      const data = sym && sym.length === sizeOf(dims)
        ? Float64Array.from(sym, (e) => (e === "N" ? b : Number(e)))
        : allocHost(sizeOf(dims), `${node}: shape inference`);
      return { dtype: dtypes[i] ?? "float32", dims, data };
    });
    const out = evalNode(node, a, ins, (role) => {
      const dims = [...(params[role] ?? [])];
      return { dtype: "float32", dims, data: allocHost(sizeOf(dims), `${node}: shape inference`) };
    });
    dtype = out.dtype;
    return out.dims;
  };
  const d2 = run(2), d3 = run(3);
  if (d2.length !== d3.length) {
    throw new RangeError(`${node}: ONNX ${a.op_type} output rank depends on the batch size`);
  }
  const out = d2.map((d, i) => {
    if (d === d3[i]) return d;
    if (d === 2 && d3[i] === 3) return -1;
    throw new RangeError(
      `${node}: ONNX ${a.op_type} output axis ${i} depends on the batch size (${d} at 2, ${
        d3[i]
      } at 3); only a batch axis of its own is supported`,
    );
  });
  if (inferCache.size > 4096) inferCache.clear();
  const res = { shape: out, dtype };
  inferCache.set(key, res);
  return res;
}

function toHost(t: Tensor, dtype: string): HostTensor {
  return { dtype, dims: [...t.shape], data: Float64Array.from(t.toArray()) };
}

function runNode(
  node: string,
  inputs: readonly Tensor[],
  params: Readonly<Record<string, Tensor>>,
  a: Attrs,
  training: boolean,
): Tensor {
  if (training && inputs.some((t) => t.requiresGrad)) {
    throw new TypeError(
      `${node}: ONNX ${a.op_type} runs on the host and has no gradient, so this model cannot train (it runs and minimizes)`,
    );
  }
  const dtypes = (a.dtypes ?? []) as string[];
  const out = evalNode(
    node,
    a,
    inputs.map((t, i) => toHost(t, dtypes[i] ?? "float32")),
    (role) => toHost(params[role], "float32"),
  );
  return tensor(Float32Array.from(out.data), out.dims, { backend: inputs[0].backend });
}

/** `onnx`: a generic ONNX node on the host; opaque to minimization. */
export const onnxLayer: LayerOp = {
  name: "onnx",
  arity: 1,
  variadic: true,
  params: ONNX_PARAM_SLOTS,
  channels: "opaque",
  infer: (node, inputs, p, a) => genericOutput(node, inputs, p, a).shape,
  run: (inputs, p, a, ctx) => runNode("onnx", inputs, p, a, ctx.training),
};

/** The shape of one element of each axis of `x` (what an elementwise op is probed on). */
export function unitShape(x: SymShape): SymShape {
  return x.map(() => 1);
}

/** `onnx_unary`: an elementwise ONNX op of one runtime input and scalar constants. */
export const onnxUnaryLayer: LayerOp = {
  name: "onnx_unary",
  arity: 1,
  params: [],
  channels: "channelwise",
  // Elementwise: probed on one element per axis (cheap whatever the input's size).
  infer: (node, [x], p, a) => {
    const out = genericOutput(node, [unitShape(x)], p, a).shape;
    if (out.length !== x.length || out.some((d) => d !== 1)) {
      throw new RangeError(
        `${node}: onnx_unary ${a.op_type} must keep its input's shape, got [${out}] from [${
          unitShape(x)
        }]`,
      );
    }
    return x;
  },
  constRule: (k, _p, a) =>
    k.map((v) => {
      if (v === null) return null;
      const y = evalNode("onnx_unary", a, [{
        dtype: "float32",
        dims: [1],
        data: Float64Array.of(v),
      }], () => {
        throw new RangeError("onnx_unary has no parameters");
      });
      return Math.fround(y.data[0]);
    }),
  run: (inputs, p, a, ctx) => runNode("onnx_unary", inputs, p, a, ctx.training),
};
