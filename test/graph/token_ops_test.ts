/**
 * The transformer layer ops (graph/token_ops.ts) and the norms over a token stream
 * (graph/norm_ops.ts): shape inference and its errors, forward semantics against
 * independent loops, and gradients by finite differences.
 */
import assert from "node:assert/strict";
import { gradCheck } from "../../src/autograd/grad_check.ts";
import { backward } from "../../src/autograd/backward.ts";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { GraphModule } from "../../src/graph/graph_module.ts";
import type { AttrValue, SymShape } from "../../src/graph/ir.ts";
import { LAYER_OPS } from "../../src/graph/layer_ops.ts";
import { validateGraph } from "../../src/graph/validate.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { mul } from "../../src/ops/elementwise.ts";
import { sum } from "../../src/ops/reduce.ts";
import { randn, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";

type Attrs = Record<string, AttrValue>;

const CTX = { training: false, rng: new Rng(0) };
const op = (name: string) => {
  const o = LAYER_OPS.get(name);
  assert.ok(o, `layer op ${name} is registered`);
  return o;
};
const run = (name: string, ins: Tensor[], params: Record<string, Tensor>, attrs: Attrs = {}) =>
  op(name).run(ins, params, attrs, CTX);
const infer = (
  name: string,
  ins: SymShape[],
  params: Record<string, number[]> = {},
  attrs: Attrs = {},
) => op(name).infer("blk.node", ins, params, attrs);

/** infer throws a RangeError that names the node and matches `re` (the offending value). */
function inferThrows(
  name: string,
  ins: SymShape[],
  params: Record<string, number[]>,
  attrs: Attrs,
  re: RegExp,
): void {
  assert.throws(
    () => infer(name, ins, params, attrs),
    (e: Error) =>
      e instanceof RangeError && e.message.startsWith("blk.node: ") && re.test(e.message),
    `${name} ${JSON.stringify({ ins, params, attrs })}`,
  );
}

const rng = new Rng(21);
const f64 = (shape: number[], requiresGrad = true) =>
  randn(shape, rng, { dtype: "float64", requiresGrad });
const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
};
const fdOk = (fn: (x: Tensor[]) => Tensor, ins: Tensor[], what: string) => {
  const r = gradCheck(fn, ins, { seed: 3 });
  assert.ok(r.checked > 0 && r.maxRelError < 1e-6, `${what}: ${r.maxRelError}`);
};

Deno.test("attention op: infers [B, T, Σv]; bad attrs and shapes are RangeErrors naming the node", () => {
  const a = { qk: [2, 0, 3], v: [1, 4, 0], scale: 0.5, causal: false };
  assert.deepEqual(infer("attention", [[-1, 6, 5], [-1, 9, 5], [-1, 9, 5]], {}, a), [-1, 6, 5]);
  assert.deepEqual(
    infer("attention", [[-1, 4, 5], [-1, 4, 5], [-1, 4, 5]], {}, { ...a, causal: true }),
    [-1, 4, 5],
  );
  const ok = [[-1, 6, 5], [-1, 9, 5], [-1, 9, 5]];
  inferThrows("attention", ok, {}, { ...a, qk: [2, -1] }, /attrs\.qk must list.*\[2,-1\]/);
  inferThrows("attention", ok, {}, { ...a, v: "1,4" }, /attrs\.v must list.*"1,4"/);
  inferThrows("attention", ok, {}, { ...a, scale: "x" }, /attrs\.scale must be a finite.*"x"/);
  inferThrows("attention", ok, {}, { ...a, v: [1, 4] }, /one width per head/);
  inferThrows("attention", [[-1, 6, 4], ok[1], ok[2]], {}, a, /channel counts.*q \[-1,6,4\]/);
  inferThrows("attention", [ok[0], [-1, 8, 5], ok[2]], {}, a, /key lengths.*k \[-1,8,5\]/);
  inferThrows("attention", ok, {}, { ...a, causal: true }, /causal.*as many keys/);
  // Its pruning units: one per head, spanning the head's q/k channels and v channels.
  const units = op("attention").unitGroups!(a);
  assert.deepEqual(units, [
    [{ input: 0, channel: 0 }, { input: 0, channel: 1 }, { input: 2, channel: 0 }],
    [1, 2, 3, 4].map((c) => ({ input: 2, channel: c })),
    [2, 3, 4].map((c) => ({ input: 0, channel: c })),
  ]);
});

Deno.test("embedding op: row lookups of the table; non-integer or out-of-range ids are RangeErrors; the gradient scatter-adds into the table", async (t) => {
  await t.step("shape inference", () => {
    assert.deepEqual(infer("embedding", [[-1, 7]], { weight: [50, 6] }), [-1, 7, 6]);
    inferThrows("embedding", [[-1, 7, 1]], { weight: [50, 6] }, {}, /rank 2, got \[-1,7,1\]/);
    inferThrows("embedding", [[-1, 7]], { weight: [50] }, {}, /\[V, C\], got \[50\]/);
  });
  const w = f64([5, 3]);
  const ids = [4, 0, 4, 2, 1, 4];
  await t.step("lookup", () => {
    const y = run("embedding", [tensor(ids, [2, 3])], { weight: w });
    assert.deepEqual(y.shape, [2, 3, 3]);
    const wd = w.toArray(), yd = y.toArray();
    ids.forEach((r, i) =>
      assert.deepEqual([...yd.slice(3 * i, 3 * i + 3)], [...wd.slice(3 * r, 3 * r + 3)])
    );
  });
  await t.step("ids that are not rows", () => {
    for (const [bad, at] of [[1.5, 1], [-1, 2], [5, 0], [NaN, 3]] as const) {
      const x = [0, 1, 2, 3];
      x[at] = bad;
      assert.throws(
        () => run("embedding", [tensor(x, [1, 4], { dtype: "float64" })], { weight: w }),
        (e: Error) =>
          e instanceof RangeError &&
          e.message.includes(`token id ${bad} at position ${at} is not an integer in [0, 5)`),
        `id ${bad}`,
      );
    }
  });
  await t.step("gradient: Σ of the upstream rows of every occurrence; unused rows get 0", () => {
    const g = randn([2, 3, 3], rng, { dtype: "float64" });
    w.grad = null;
    backward(sum(mul(run("embedding", [tensor(ids, [2, 3])], { weight: w }), g)));
    const want = new Float64Array(15), gd = g.toArray();
    ids.forEach((r, i) => {
      for (let c = 0; c < 3; c++) want[3 * r + c] += gd[3 * i + c];
    });
    close(w.grad!.toArray(), want, 1e-12, "dW");
    assert.deepEqual([...w.grad!.toArray().slice(9, 12)], [0, 0, 0], "row 3 unused");
    fdOk(([wt]) => run("embedding", [tensor(ids, [2, 3])], { weight: wt }), [w], "embedding");
  });
});

/** patch_embed by loops: token (i, j) of each image, in row-major patch order. */
function patchLoops(x: Tensor, w: Tensor, b: Tensor | null): Float64Array {
  const [n, ci, h, wd] = x.shape, [c, , p] = w.shape;
  const ph = h / p, pw = wd / p, xd = x.toArray(), wt = w.toArray(), bd = b?.toArray();
  const out = new Float64Array(n * ph * pw * c);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        for (let o = 0; o < c; o++) {
          let acc = bd ? bd[o] : 0;
          for (let k = 0; k < ci; k++) {
            for (let u = 0; u < p; u++) {
              for (let v = 0; v < p; v++) {
                acc += wt[((o * ci + k) * p + u) * p + v] *
                  xd[((s * ci + k) * h + i * p + u) * wd + j * p + v];
              }
            }
          }
          out[((s * ph + i) * pw + j) * c + o] = acc;
        }
      }
    }
  }
  return out;
}

Deno.test("patch_embed op: a convolution of stride = kernel, tokens in row-major patch order; shape errors name the node", async (t) => {
  await t.step("shape inference", () => {
    assert.deepEqual(
      infer("patch_embed", [[-1, 2, 12, 8]], { weight: [5, 2, 4, 4], bias: [5] }),
      [-1, 6, 5],
    );
    assert.deepEqual(infer("patch_embed", [[-1, 1, 28, 28]], { weight: [3, 1, 7, 7] }), [
      -1,
      16,
      3,
    ]);
    const x = [[-1, 2, 12, 8]];
    inferThrows("patch_embed", x, { weight: [5, 3, 4, 4] }, {}, /\[C, 2, P, P\], got \[5,3,4,4\]/);
    inferThrows("patch_embed", x, { weight: [5, 2, 4, 2] }, {}, /got \[5,2,4,2\]/);
    inferThrows("patch_embed", x, { weight: [5, 2, 5, 5] }, {}, /5×5 patches do not tile the 12×8/);
    inferThrows("patch_embed", x, { weight: [5, 2, 4, 4], bias: [4] }, {}, /bias must be \[5\]/);
    inferThrows("patch_embed", [[-1, 2, 12]], { weight: [5, 2, 4, 4] }, {}, /rank 4/);
  });
  await t.step("forward: loops over patches (non-square image, 2 input channels)", () => {
    const x = f64([2, 2, 6, 9]), w = f64([4, 2, 3, 3]), b = f64([4]);
    const y = run("patch_embed", [x], { weight: w, bias: b });
    assert.deepEqual(y.shape, [2, 6, 4]);
    close(y.toArray(), patchLoops(x, w, b), 1e-12, "with bias");
    close(
      run("patch_embed", [x], { weight: w }).toArray(),
      patchLoops(x, w, null),
      1e-12,
      "no bias",
    );
  });
  await t.step("gradients by finite differences", () => {
    const x = f64([2, 1, 4, 6]), w = f64([3, 1, 2, 2]), b = f64([3]);
    fdOk(([xi, wi, bi]) => run("patch_embed", [xi], { weight: wi, bias: bi }), [x, w, b], "patch");
  });
});

Deno.test("pos_embed op: adds the row of each position to every sequence", async (t) => {
  await t.step("shape inference", () => {
    assert.deepEqual(infer("pos_embed", [[-1, 5, 3]], { weight: [5, 3] }), [-1, 5, 3]);
    inferThrows("pos_embed", [[-1, 5, 3]], { weight: [4, 3] }, {}, /\[5, 3\], got \[4,3\]/);
    inferThrows("pos_embed", [[-1, 5, 3]], { weight: [5, 3, 1] }, {}, /got \[5,3,1\]/);
    inferThrows("pos_embed", [[-1, 15]], { weight: [5, 3] }, {}, /rank 3, got \[-1,15\]/);
  });
  const x = f64([3, 4, 2]), w = f64([4, 2]);
  await t.step("forward", () => {
    const y = run("pos_embed", [x], { weight: w }).toArray(), xd = x.toArray(), wd = w.toArray();
    const want = Array.from(xd, (v, i) => v + wd[i % 8]);
    close(y, want, 1e-15, "x + W[t]");
  });
  await t.step("gradients by finite differences", () => {
    fdOk(([xi, wi]) => run("pos_embed", [xi], { weight: wi }), [x, w], "pos_embed");
  });
});

Deno.test("cls_token op: prepends its vector as token 0 of every sequence", async (t) => {
  await t.step("shape inference", () => {
    assert.deepEqual(infer("cls_token", [[-1, 5, 3]], { weight: [3] }), [-1, 6, 3]);
    assert.deepEqual(infer("cls_token", [[2, -1, 3]], { weight: [3] }), [2, -1, 3], "unknown T");
    inferThrows("cls_token", [[-1, 5, 3]], { weight: [4] }, {}, /weight must be \[3\], got \[4\]/);
    inferThrows("cls_token", [[-1, 5]], { weight: [5] }, {}, /rank 3/);
  });
  const x = f64([2, 3, 4]), w = f64([4]);
  await t.step("forward", () => {
    const y = run("cls_token", [x], { weight: w });
    assert.deepEqual(y.shape, [2, 4, 4]);
    const yd = y.toArray(), xd = x.toArray(), wd = w.toArray();
    for (let b = 0; b < 2; b++) {
      assert.deepEqual([...yd.slice(16 * b, 16 * b + 4)], [...wd], `sequence ${b} token 0`);
      assert.deepEqual([...yd.slice(16 * b + 4, 16 * b + 16)], [...xd.slice(12 * b, 12 * b + 12)]);
    }
  });
  await t.step("gradients by finite differences", () => {
    fdOk(([xi, wi]) => run("cls_token", [xi], { weight: wi }), [x, w], "cls_token");
  });
});

Deno.test("token_pool op: the mean over tokens or the first token; any other mode is a RangeError", async (t) => {
  await t.step("shape inference", () => {
    assert.deepEqual(infer("token_pool", [[-1, 5, 3]], {}, { mode: "mean" }), [-1, 3]);
    assert.deepEqual(infer("token_pool", [[-1, 5, 3]], {}, { mode: "first" }), [-1, 3]);
    inferThrows("token_pool", [[-1, 5, 3]], {}, { mode: "max" }, /attrs\.mode.*"max"/);
    inferThrows("token_pool", [[-1, 5, 3]], {}, {}, /attrs\.mode.*got undefined/);
    inferThrows("token_pool", [[-1, 5]], {}, { mode: "mean" }, /rank 3/);
  });
  const x = f64([2, 5, 3]);
  await t.step("forward", () => {
    const xd = x.toArray(), mean: number[] = [], first: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = 0; t < 5; t++) s += xd[(b * 5 + t) * 3 + c];
        mean.push(s / 5);
        first.push(xd[b * 15 + c]);
      }
    }
    close(run("token_pool", [x], {}, { mode: "mean" }).toArray(), mean, 1e-15, "mean");
    assert.deepEqual([...run("token_pool", [x], {}, { mode: "first" }).toArray()], first);
  });
  await t.step("gradients by finite differences", () => {
    for (const mode of ["mean", "first"]) {
      fdOk(([xi]) => run("token_pool", [xi], {}, { mode }), [x], `token_pool ${mode}`);
    }
  });
});

/** LayerNorm (or RMSNorm) of each row of `[rows, c]` values, in float64. */
function normRows(
  xd: ArrayLike<number>,
  c: number,
  g: ArrayLike<number>,
  b: ArrayLike<number> | null,
  eps: number,
): Float64Array {
  const out = new Float64Array(xd.length);
  for (let r = 0; r < xd.length / c; r++) {
    const row = Array.from({ length: c }, (_, i) => xd[r * c + i]);
    const mu = b ? row.reduce((a, v) => a + v, 0) / c : 0;
    const v = row.reduce((a, x) => a + (x - mu) ** 2, 0) / c;
    for (let i = 0; i < c; i++) {
      out[r * c + i] = g[i] * (row[i] - mu) / Math.sqrt(v + eps) + (b ? b[i] : 0);
    }
  }
  return out;
}

Deno.test("layer_norm over axis 2 of [B, T, C]: the LayerNorm of each token vector; a wrong axis is a RangeError", async (t) => {
  const x = f64([2, 3, 5]), g = f64([5]), b = f64([5]);
  const a = { axis: 2, eps: 1e-5 };
  await t.step("shape inference", () => {
    assert.deepEqual(infer("layer_norm", [[-1, 3, 5]], { weight: [5], bias: [5] }, a), [-1, 3, 5]);
    const p = { weight: [5], bias: [5] };
    inferThrows("layer_norm", [[-1, 3, 5]], p, { axis: 3 }, /attrs\.axis must be 1 or the last.*3/);
    inferThrows("layer_norm", [[-1, 3, 5]], p, { axis: 0 }, /attrs\.axis.*got 0/);
    inferThrows("layer_norm", [[-1, 3, 5]], { weight: [3], bias: [3] }, a, /weight must be \[5\]/);
    inferThrows("layer_norm", [[-1, 3, 5]], p, { ...a, width: 4 }, /attrs\.width.*got 4/);
  });
  await t.step("forward", () => {
    const y = run("layer_norm", [x], { weight: g, bias: b }, a);
    assert.deepEqual(y.shape, [2, 3, 5]);
    close(y.toArray(), normRows(x.toArray(), 5, g.toArray(), b.toArray(), 1e-5), 1e-12, "LN");
  });
  await t.step(
    "compensated over tokens: constant channels removed (width, k̄, M2), outputs dropped",
    () => {
      // Channels 1 and 3 hold constants across every token; the CLN of the other three
      // with width 5 and their statistics equals the LayerNorm of all five on those three.
      const xd = x.toArray().slice() as Float64Array, ks = [0.9, -0.4];
      for (let r = 0; r < 6; r++) (xd[r * 5 + 1] = ks[0]), (xd[r * 5 + 3] = ks[1]);
      const kept = [0, 2, 4], kbar = (ks[0] + ks[1]) / 2;
      const m2 = (ks[0] - kbar) ** 2 + (ks[1] - kbar) ** 2;
      const dense = normRows(xd, 5, g.toArray(), b.toArray(), 1e-5);
      const xk = tensor(
        Array.from({ length: 18 }, (_, i) => xd[Math.floor(i / 3) * 5 + kept[i % 3]]),
        [
          2,
          3,
          3,
        ],
        { dtype: "float64" },
      );
      const gd = g.toArray(), bd = b.toArray();
      const sub = (d: ArrayLike<number>, ch: number[]) =>
        tensor(ch.map((c) => d[c]), [ch.length], { dtype: "float64" });
      const y = run("layer_norm", [xk], { weight: sub(gd, [0, 4]), bias: sub(bd, [0, 4]) }, {
        ...a,
        width: 5,
        kbar,
        m2,
        outputs: [0, 2],
      });
      assert.deepEqual(y.shape, [2, 3, 2]);
      const want = Array.from(
        { length: 12 },
        (_, i) => dense[Math.floor(i / 2) * 5 + [0, 4][i % 2]],
      );
      close(y.toArray(), want, 1e-12, "CLN over tokens");
    },
  );
  await t.step("in a graph: validates and runs like the op", () => {
    const gb = new GraphBuilder("ln");
    const inp = gb.input("x", [-1, 3, 5], 2);
    const n = gb.node("ln", "layer_norm", [inp], {
      weight: gb.param("g", Parameter.from(g)),
      bias: gb.param("b", Parameter.from(b)),
    }, a);
    gb.output(n);
    const graph = gb.build();
    assert.equal(validateGraph(graph).axes.get("ln"), 2);
    const m = new GraphModule(graph, gb.parameters);
    close(
      m.forward(x).toArray(),
      normRows(x.toArray(), 5, g.toArray(), b.toArray(), 1e-5),
      1e-12,
      "graph",
    );
    const bad = structuredClone(graph);
    bad.nodes[0].attrs.axis = 3;
    assert.throws(() => validateGraph(bad), /nodes\[0\]: ln: attrs\.axis must be 1 or the last/);
  });
  await t.step("gradients by finite differences", () => {
    fdOk(([xi, gi, bi]) => run("layer_norm", [xi], { weight: gi, bias: bi }, a), [x, g, b], "LN");
  });
});

Deno.test("rms_norm: y = γ·x/sqrt(mean x² + eps) per token; removing constant channels with width and s2 leaves the kept outputs unchanged", async (t) => {
  const eps = 1e-6;
  await t.step("shape inference", () => {
    assert.deepEqual(infer("rms_norm", [[-1, 4, 6]], { weight: [6] }, { axis: 2 }), [-1, 4, 6]);
    assert.deepEqual(
      infer("rms_norm", [[-1, 4, 6]], { weight: [2] }, { axis: 2, outputs: [1, 4] }),
      [-1, 4, 2],
    );
    const p = { weight: [6] };
    inferThrows("rms_norm", [[-1, 4, 6]], p, { axis: 2, s2: -1 }, /attrs\.s2.*got -1/);
    inferThrows("rms_norm", [[-1, 4, 6]], p, { axis: 2, width: 5 }, /attrs\.width.*got 5/);
    inferThrows("rms_norm", [[-1, 4, 6]], { weight: [4] }, { axis: 2 }, /weight must be \[6\]/);
    inferThrows("rms_norm", [[-1, 4, 6]], p, { axis: 2, outputs: [2, 1] }, /attrs\.outputs/);
  });
  const x = f64([2, 3, 7]), g = f64([7]);
  await t.step("forward: the formula, over axis 2 and over axis 1", () => {
    const want = normRows(x.toArray(), 7, g.toArray(), null, eps);
    close(run("rms_norm", [x], { weight: g }, { axis: 2, eps }).toArray(), want, 1e-12, "axis 2");
    const x2 = tensor(x.toArray(), [6, 7], { dtype: "float64" });
    close(run("rms_norm", [x2], { weight: g }, { eps }).toArray(), want, 1e-12, "axis 1");
  });
  // Channels 1, 4 and 5 of the stream are constants; dropping them with width 7 and
  // s2 = Σ k² gives the same outputs on the kept channels 0, 2, 3, 6.
  const consts = new Map([[1, 0.8], [4, -1.7], [5, 0.25]]), kept = [0, 2, 3, 6];
  const xd = x.toArray().slice() as Float64Array;
  for (let r = 0; r < 6; r++) for (const [c, k] of consts) xd[r * 7 + c] = k;
  const full = tensor(xd, [2, 3, 7], { dtype: "float64" });
  const pick = (d: ArrayLike<number>, chans: number[], c: number) =>
    Array.from(
      { length: (d.length / c) * chans.length },
      (_, i) => d[Math.floor(i / chans.length) * c + chans[i % chans.length]],
    );
  const xk = tensor(pick(xd, kept, 7), [2, 3, 4], { dtype: "float64", requiresGrad: true });
  const gd = g.toArray(),
    gk = tensor(kept.map((c) => gd[c]), [4], { dtype: "float64", requiresGrad: true });
  const s2 = [...consts.values()].reduce((a, k) => a + k * k, 0);
  const comp = { axis: 2, eps, width: 7, s2 };
  await t.step("compensated: width and s2 stand in for the removed constants", () => {
    const dense = run("rms_norm", [full], { weight: g }, { axis: 2, eps }).toArray();
    const small = run("rms_norm", [xk], { weight: gk }, comp);
    assert.deepEqual(small.shape, [2, 3, 4]);
    close(small.toArray(), pick(dense, kept, 7), 1e-12, "kept channels");
    const folded = op("rms_norm").normFold!({ axis: 2, eps }, 7, [...consts.values()], 4);
    assert.deepEqual(folded, { axis: 2, eps, width: 7, s2 }, "normFold records width and s2");
    const twice = op("rms_norm").normFold!({ ...folded, outputs: kept }, 4, [xd[0]], 3);
    assert.equal(twice.width, 7, "a second fold keeps the original width");
    assert.ok(Math.abs((twice.s2 as number) - (s2 + xd[0] ** 2)) < 1e-12, "and adds to s2");
    const plain = run("rms_norm", [xk], { weight: gk }, { axis: 2, eps }).toArray();
    assert.ok(Math.abs(plain[0] - small.toArray()[0]) > 1e-3, "without s2 the outputs differ");
  });
  await t.step("outputs: a channel without an output still counts in the statistics", () => {
    const dense = run("rms_norm", [full], { weight: g }, { axis: 2, eps }).toArray();
    const w2 = tensor([gd[2], gd[6]], [2], { dtype: "float64" });
    const y = run("rms_norm", [xk], { weight: w2 }, { ...comp, outputs: [1, 3] });
    assert.deepEqual(y.shape, [2, 3, 2]);
    close(y.toArray(), pick(dense, [2, 6], 7), 1e-12, "channels 2 and 6");
  });
  await t.step("gradients by finite differences (plain and compensated)", () => {
    fdOk(([xi, gi]) => run("rms_norm", [xi], { weight: gi }, { axis: 2, eps }), [x, g], "rms");
    fdOk(([xi, gi]) => run("rms_norm", [xi], { weight: gi }, comp), [xk, gk], "compensated");
  });
});
