/**
 * Dropout in inference: the output is the input and the mask is all true (bool from
 * opset 10, the input's type before). training_mode with a ratio above 0 draws random
 * masks, which a host op does not do: it fails.
 *
 * @module
 */
import type { HostOp } from "./host_op.ts";
import { hostOp, type OpCall } from "./op_call.ts";

const dropout = hostOp("Dropout", (c: OpCall) => {
  const x = c.input(0, "data");
  const ratio = c.opset >= 12 ? c.scalarInput(1, "ratio") ?? 0.5 : c.float("ratio", 0.5);
  const training = c.opset >= 12 && (c.scalarInput(2, "training_mode") ?? 0) !== 0;
  if (training && ratio > 0) c.fail(`training_mode with ratio ${ratio} is random; not supported`);
  const mask = { dtype: c.opset >= 10 ? "bool" : x.dtype, dims: [...x.dims] };
  return [
    { dtype: x.dtype, dims: [...x.dims], data: x.data },
    { ...mask, data: new Float64Array(x.data.length).fill(1) },
  ];
});

/** Dropout by ONNX op type. */
export const DROPOUT_OPS: Readonly<Record<string, HostOp>> = { Dropout: dropout };
