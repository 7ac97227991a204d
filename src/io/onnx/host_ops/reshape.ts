/**
 * Ops that change a tensor's dims but not its elements' order: Reshape (0 copies an
 * input dim unless allowzero, -1 infers one dim), Flatten, Squeeze and Unsqueeze (axes
 * as an attribute before opset 13, an input from 13) and Identity. Results share the
 * input's data array.
 *
 * @module
 */
import { type HostTensor, sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";

function view(x: HostTensor, dims: number[]): HostTensor[] {
  return [{ dtype: x.dtype, dims, data: x.data }];
}

/** The dims `shape` asks for `x`, per Reshape's rules for 0 and -1. */
function reshapeDims(c: OpCall, x: HostTensor, shape: readonly number[]): number[] {
  const allowZero = c.int("allowzero", 0) !== 0;
  const out = shape.map((v, i) => {
    if (v === 0 && !allowZero) {
      if (i >= x.dims.length) c.fail(`shape [${shape}] copies dim ${i} of ${fmtDims(x.dims)}`);
      return x.dims[i];
    }
    if (v < -1) c.fail(`shape [${shape}] has the negative dim ${v}`);
    return v;
  });
  const free = out.flatMap((v, i) => (v === -1 ? [i] : []));
  if (free.length > 1) c.fail(`shape [${shape}] has more than one -1`);
  const total = sizeOf(x.dims);
  if (free.length === 1) {
    const known = sizeOf(out.filter((v) => v !== -1));
    if (known === 0 || total % known !== 0) {
      c.fail(`shape [${shape}] cannot hold the ${total} elements of ${fmtDims(x.dims)}`);
    }
    out[free[0]] = total / known;
  }
  if (sizeOf(out) !== total) {
    c.fail(
      `shape [${shape}] (dims ${fmtDims(out)}) does not hold the ${total} elements of ${
        fmtDims(x.dims)
      }`,
    );
  }
  return out;
}

const reshape = hostOp("Reshape", (c: OpCall) => {
  const x = c.input(0, "data");
  const shape = c.opset < 5 ? c.ints("shape") : c.intsInput(1, "shape");
  if (!shape) c.fail("shape is missing");
  return view(x, reshapeDims(c, x, shape));
});

const flatten = hostOp("Flatten", (c: OpCall) => {
  const x = c.input(0, "input"), r = x.dims.length;
  const axis = c.int("axis", 1);
  if (axis < -r || axis > r) c.fail(`axis ${axis} is out of range for rank ${r}`);
  const k = axis < 0 ? axis + r : axis;
  return view(x, [sizeOf(x.dims.slice(0, k)), sizeOf(x.dims.slice(k))]);
});

function axesArg(c: OpCall): number[] | undefined {
  return c.opset < 13 ? c.ints("axes") : c.intsInput(1, "axes");
}

const squeeze = hostOp("Squeeze", (c: OpCall) => {
  const x = c.input(0, "data"), given = axesArg(c);
  const axes = given
    ? c.axes(given, x.dims.length)
    : x.dims.flatMap((d, a) => (d === 1 ? [a] : []));
  for (const a of axes) {
    if (x.dims[a] !== 1) c.fail(`axis ${a} of ${fmtDims(x.dims)} is not 1 and cannot be squeezed`);
  }
  return view(x, x.dims.filter((_, a) => !axes.includes(a)));
});

const unsqueeze = hostOp("Unsqueeze", (c: OpCall) => {
  const x = c.input(0, "data"), given = axesArg(c);
  if (!given) c.fail("axes is missing");
  const rank = x.dims.length + given.length, axes = c.axes(given, rank);
  const dims: number[] = [];
  for (let a = 0, k = 0; a < rank; a++) dims.push(axes.includes(a) ? 1 : x.dims[k++]);
  return view(x, dims);
});

/** The view ops by ONNX op type. */
export const RESHAPE_OPS: Readonly<Record<string, HostOp>> = {
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Identity: hostOp("Identity", (c: OpCall) => {
    const x = c.input(0, "input");
    return view(x, [...x.dims]);
  }),
};
