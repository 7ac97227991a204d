/**
 * Recognizes multi-head attention written out in ONNX (as PyTorch exports a hand-written
 * or `nn.MultiheadAttention`-style block) in an imported graph and replaces it with
 * squeeze's `attention` op, so minimization can remove heads and per-head channels:
 *
 *     q: reshape [T,h,d] → permute [0,2,1,3];  k: reshape [S,h,d] → permute [0,2,3,1]
 *     v: reshape [S,h,e] → permute [0,2,1,3]
 *     MatMul(q, k) → (Div √d | Mul 1/√d)? → Softmax(last) → MatMul(·, v)
 *     → permute [0,2,1,3] → reshape [T, h·e]
 *
 * Every intermediate must have one reader; anything else is left as it is.
 *
 * @module
 */
import type { AttrValue, GraphNode } from "../../graph/ir.ts";

const samePerm = (n: GraphNode | undefined, p: number[]) =>
  n?.op === "permute" && (n.attrs.perm as number[]).join() === p.join();

function onnxOp(n: GraphNode | undefined, type: string): boolean {
  return (n?.op === "onnx" || n?.op === "onnx_unary") && n.attrs.op_type === type;
}

function scalarOperand(n: GraphNode): number | undefined {
  const ops = n.attrs.operands as AttrValue[];
  const c = ops.find((o) => o !== null && typeof o === "object") as
    | { data: number[] }
    | undefined;
  return c && c.data.length === 1 ? c.data[0] : undefined;
}

/** Fuses attention patterns in `nodes` (topological order); returns the new node list. */
export function fuseAttention(
  nodes: readonly GraphNode[],
  outputs: readonly string[],
): GraphNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const readers = new Map<string, number>();
  for (const n of nodes) for (const v of n.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  for (const o of outputs) readers.set(o, (readers.get(o) ?? 0) + 2);
  const single = (v: string) => readers.get(v) === 1;
  const src = (v: string) => byName.get(v);
  const drop = new Set<string>();
  const replace = new Map<string, GraphNode>();
  /** reshape [T, h, d] → permute `perm` of a rank-3 value: [value, h, d] or undefined. */
  const heads = (v: string, perm: number[]) => {
    const p = src(v);
    if (!samePerm(p, perm) || !single(v)) return undefined;
    const r = src(p!.inputs[0]);
    const s = r?.attrs.shape as number[] | undefined;
    if (r?.op !== "reshape" || !single(r.name) || s?.length !== 3) return undefined;
    return { x: r.inputs[0], t: s[0], h: s[1], d: s[2], nodes: [p!.name, r.name] };
  };
  for (const o2 of nodes) {
    if (o2.op !== "reshape") continue;
    const o1 = src(o2.inputs[0]);
    if (!samePerm(o1, [0, 2, 1, 3]) || !single(o1!.name)) continue;
    const av = src(o1!.inputs[0]);
    if (!onnxOp(av, "MatMul") || av!.inputs.length !== 2 || !single(av!.name)) continue;
    const sm = src(av!.inputs[0]);
    const axis = (sm?.attrs.onnx as Record<string, AttrValue> | undefined)?.axis;
    const axisOk = axis === -1 || axis === 3 ||
      (axis === undefined && ((sm?.attrs.opset as number | undefined) ?? 0) >= 13);
    if (!onnxOp(sm, "Softmax") || !axisOk || !single(sm!.name)) continue;
    let scale = 1;
    let scoreNode = src(sm!.inputs[0]);
    const chain = [o2.name, o1!.name, av!.name, sm!.name];
    if (onnxOp(scoreNode, "Div") || onnxOp(scoreNode, "Mul")) {
      const c = scalarOperand(scoreNode!);
      const ops = scoreNode!.attrs.operands as AttrValue[];
      if (
        c === undefined || !single(scoreNode!.name) || (onnxOp(scoreNode, "Div") && ops[0] !== "x0")
      ) continue;
      scale = onnxOp(scoreNode, "Div") ? 1 / c : c;
      chain.push(scoreNode!.name);
      scoreNode = src(scoreNode!.inputs[0]);
    }
    const qk = scoreNode;
    if (!onnxOp(qk, "MatMul") || qk!.inputs.length !== 2 || !single(qk!.name)) continue;
    chain.push(qk!.name);
    const q = heads(qk!.inputs[0], [0, 2, 1, 3]);
    const k = heads(qk!.inputs[1], [0, 2, 3, 1]);
    const v = heads(av!.inputs[1], [0, 2, 1, 3]);
    const out = o2.attrs.shape as number[];
    if (
      !q || !k || !v || q.h !== k.h || q.h !== v.h || q.d !== k.d || k.t !== v.t ||
      out.length !== 2 || out[0] !== q.t || out[1] !== v.h * v.d
    ) continue;
    const all = [...chain, ...q.nodes, ...k.nodes, ...v.nodes];
    if (all.some((n) => drop.has(n))) continue;
    all.forEach((n) => drop.add(n));
    replace.set(o2.name, {
      name: o2.name,
      op: "attention",
      inputs: [q.x, k.x, v.x],
      params: {},
      attrs: {
        qk: Array(q.h).fill(q.d),
        v: Array(v.h).fill(v.d),
        scale: Math.fround(scale),
        causal: false,
      },
    });
  }
  return nodes.flatMap((n) =>
    replace.has(n.name) ? [replace.get(n.name)!] : drop.has(n.name) ? [] : [n]
  );
}
