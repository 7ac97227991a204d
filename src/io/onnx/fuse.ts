/**
 * Peephole fusions on ONNX nodes before import: the decomposed GELU that PyTorch exports
 * (`x · 0.5 · (1 + erf(x / √2))` as Div, Erf, Add, Mul, Mul) becomes one `Gelu` node, so
 * minimization sees an elementwise activation instead of a product of two values.
 *
 * @module
 */
import type { HostTensor } from "./host_tensor.ts";
import type { OnnxNode as NodeProto } from "./onnx_types.ts";

const NO_ATTR = { f: 0, i: 0, s: new Uint8Array(), floats: [], ints: [], strings: [] };
/** A node from the fields a fusion sets (the importer reads nothing else). */
const fusedNode = (n: Omit<NodeProto, "domain" | "attribute"> & Partial<NodeProto>): NodeProto => ({
  domain: "",
  attribute: [],
  ...n,
});

/** A scalar constant's value, or undefined. */
export type ScalarOf = (name: string) => number | undefined;

/** The scalar value of a constant host tensor of one element. */
export function scalarOf(t: HostTensor | undefined): number | undefined {
  return t && t.data.length === 1 ? t.data[0] : undefined;
}

const near = (a: number | undefined, b: number) =>
  a !== undefined && Math.abs(a - b) <= 1e-4 * Math.abs(b);

/**
 * Fuses decomposed GELUs in `nodes` (topological order). `scalar` gives the value of a
 * one-element constant; `graphOutputs` are the values that must stay. Returns new nodes.
 */
export function fuseGelu(
  nodes: readonly NodeProto[],
  scalar: ScalarOf,
  graphOutputs: ReadonlySet<string>,
): NodeProto[] {
  const users = new Map<string, number[]>();
  nodes.forEach((n, i) =>
    (n.input ?? []).forEach((v) => users.set(v, [...(users.get(v) ?? []), i]))
  );
  const only = (v: string) => {
    const u = users.get(v) ?? [];
    return u.length === 1 && !graphOutputs.has(v) ? nodes[u[0]] : undefined;
  };
  const other = (n: NodeProto, v: string) => (n.input ?? []).find((w) => w !== v) ?? "";
  const drop = new Set<NodeProto>();
  const replace = new Map<NodeProto, NodeProto>();
  for (const erf of nodes) {
    if (erf.opType !== "Erf") continue;
    const pre = nodes.find((n) => n.output?.[0] === erf.input?.[0]);
    if (!pre || only(pre.output![0]) !== erf) continue;
    const [x, c] = pre.input ?? [];
    const isDiv = pre.opType === "Div" && near(scalar(c), Math.SQRT2);
    const isMul = pre.opType === "Mul" &&
      (near(scalar(c), Math.SQRT1_2) || near(scalar(x), Math.SQRT1_2));
    if (!isDiv && !isMul) continue;
    const xin = isMul && near(scalar(x), Math.SQRT1_2) ? c : x;
    const add = only(erf.output![0]);
    if (!add || add.opType !== "Add" || !near(scalar(other(add, erf.output![0])), 1)) continue;
    const m1 = only(add.output![0]);
    if (!m1 || m1.opType !== "Mul") continue;
    const m1other = other(m1, add.output![0]);
    let last: NodeProto, chain: NodeProto[];
    if (m1other === xin) {
      const m2 = only(m1.output![0]);
      if (!m2 || m2.opType !== "Mul" || !near(scalar(other(m2, m1.output![0])), 0.5)) continue;
      (last = m2), (chain = [pre, erf, add, m1, m2]);
    } else {
      // (x · 0.5) · (1 + erf(…))
      const half = nodes.find((n) => n.output?.[0] === m1other);
      if (
        !half || half.opType !== "Mul" || !(half.input ?? []).includes(xin) ||
        !near(scalar(other(half, xin)), 0.5) || only(half.output![0]) !== m1
      ) continue;
      (last = m1), (chain = [half, pre, erf, add, m1]);
    }
    if (chain.some((n) => drop.has(n))) continue;
    chain.forEach((n) => drop.add(n));
    replace.set(
      last,
      fusedNode({
        name: last.name || erf.name,
        opType: "Gelu",
        input: [xin],
        output: [last.output![0]],
      }),
    );
  }
  return nodes.flatMap((n) => (replace.has(n) ? [replace.get(n)!] : drop.has(n) ? [] : [n]));
}

/** Reads a node attribute's ints (or undefined). */
function intsAttr(n: NodeProto, name: string): number[] | undefined {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a?.ints?.map((v) => Number(v));
}

/**
 * Fuses decomposed LayerNorms — `d = x − mean(x)`, `d / sqrt(mean(d²) + ε)`, then an
 * optional `· γ` and `+ β` — into one `LayerNormalization` node. `axesOf` gives the
 * constant axes input of a `ReduceMean` (opset ≥ 18); `addConst` registers the γ/β it
 * makes when the pattern has none. Returns new nodes.
 */
export function fuseLayerNorm(
  nodes: readonly NodeProto[],
  scalar: ScalarOf,
  axesOf: (name: string) => number[] | undefined,
  addConst: (base: string, value: number, like: string) => string,
  graphOutputs: ReadonlySet<string>,
): NodeProto[] {
  const users = new Map<string, NodeProto[]>();
  nodes.forEach((n) => (n.input ?? []).forEach((v) => users.set(v, [...(users.get(v) ?? []), n])));
  const usersOf = (v: string) => (graphOutputs.has(v) ? [] : users.get(v) ?? []);
  const only = (v: string) => {
    const u = usersOf(v);
    return u.length === 1 ? u[0] : undefined;
  };
  const axesOfNode = (n: NodeProto) => intsAttr(n, "axes") ?? axesOf(n.input?.[1] ?? "");
  const keepsDims = (n: NodeProto) =>
    Number((n.attribute ?? []).find((a) => a.name === "keepdims")?.i ?? 1) !== 0;
  const drop = new Set<NodeProto>();
  const replace = new Map<NodeProto, NodeProto>();
  for (const mean of nodes) {
    if (mean.opType !== "ReduceMean") continue;
    const axes = axesOfNode(mean);
    // LayerNormalization(axis) normalizes axes axis…last: only the last axis alone matches.
    if (!axes || axes.length !== 1 || axes[0] !== -1 || !keepsDims(mean)) continue;
    const x = mean.input![0], m = mean.output![0];
    const sub = only(m);
    if (!sub || sub.opType !== "Sub" || sub.input![0] !== x || sub.input![1] !== m) continue;
    const d = sub.output![0];
    const du = usersOf(d);
    if (du.length !== 2) continue;
    const sq = du.find((u) =>
      (u.opType === "Pow" && near(scalar(u.input![1]), 2)) ||
      (u.opType === "Mul" && u.input![0] === d && u.input![1] === d)
    );
    const div = du.find((u) => u.opType === "Div" && u.input![0] === d);
    if (!sq || !div) continue;
    const var_ = only(sq.output![0]);
    if (
      !var_ || var_.opType !== "ReduceMean" || axesOfNode(var_)?.join() !== axes.join() ||
      !keepsDims(var_)
    ) continue;
    const addEps = only(var_.output![0]);
    if (!addEps || addEps.opType !== "Add") continue;
    const eps = scalar(addEps.input!.find((v) => v !== var_.output![0]) ?? "");
    if (eps === undefined || !(eps >= 0)) continue;
    const sqrt = only(addEps.output![0]);
    if (!sqrt || sqrt.opType !== "Sqrt" || div.input![1] !== sqrt.output![0]) continue;
    if (only(sqrt.output![0]) !== div) continue;
    const chain = [mean, sub, sq, var_, addEps, sqrt, div];
    let last = div, gamma: string | undefined, beta: string | undefined;
    // γ and β join only as constants (an Add of the residual stream is not a β).
    const isConst = (v: string | undefined) => v !== undefined && axesOf(v) !== undefined;
    const mul = only(div.output![0]);
    const g = mul?.input.find((v) => v !== div.output![0]);
    if (mul?.opType === "Mul" && isConst(g)) {
      gamma = g;
      chain.push(mul);
      last = mul;
      const add = only(mul.output![0]);
      const b = add?.input.find((v) => v !== mul.output![0]);
      if (add?.opType === "Add" && isConst(b)) {
        beta = b;
        chain.push(add);
        last = add;
      }
    }
    if (chain.some((n) => drop.has(n))) continue;
    chain.forEach((n) => drop.add(n));
    const out = last.output![0];
    replace.set(
      last,
      fusedNode({
        name: last.name || mean.name,
        opType: "LayerNormalization",
        input: [x, gamma ?? addConst(`${out}.gamma`, 1, x), beta ?? addConst(`${out}.beta`, 0, x)],
        output: [out],
        attribute: [
          { ...NO_ATTR, name: "axis", type: 2, i: axes[0] },
          { ...NO_ATTR, name: "epsilon", type: 1, f: eps },
        ],
      }),
    );
  }
  return nodes.flatMap((n) => (replace.has(n) ? [replace.get(n)!] : drop.has(n) ? [] : [n]));
}
