/**
 * Cast (to the element type code `to`) and CastLike (to the type of a second input).
 * Floats to integers truncate toward zero; small integer types wrap; float16 and
 * bfloat16 round to nearest even. Strings are not supported.
 *
 * @module
 */
import { ELEM_TYPES, type ElemType, type HostTensor } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";

function castTo(x: HostTensor, to: ElemType): HostTensor[] {
  if (to === x.dtype) return [{ dtype: to, dims: [...x.dims], data: x.data }];
  return [result(to, [...x.dims], Float64Array.from(x.data))];
}

const cast = hostOp("Cast", (c: OpCall) => {
  const x = c.input(0, "input"), code = c.int("to", -1);
  const to = ELEM_TYPES[code];
  if (!to) c.fail(`cannot cast to element type ${code}`);
  return castTo(x, to);
});

const castLike = hostOp(
  "CastLike",
  (c: OpCall) => castTo(c.input(0, "input"), c.input(1, "target_type").dtype),
);

/** The casts by ONNX op type. */
export const CAST_OPS: Readonly<Record<string, HostOp>> = { Cast: cast, CastLike: castLike };
