/**
 * multiHeadAttention against a nested-loop float64 reference (scores, masked softmax,
 * weighted sum) over heads of unequal query/key and value widths, its errors, its
 * gradients by finite differences, and the same numbers on Wasm (1 and 2 threads) and
 * WebGPU.
 */
import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { createWasmBackend, type WasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { gradCheck } from "../../src/autograd/grad_check.ts";
import { backward } from "../../src/autograd/backward.ts";
import { type AttentionSpec, multiHeadAttention } from "../../src/nn/attention_functional.ts";
import { SelfAttention } from "../../src/nn/attention.ts";
import type { Linear } from "../../src/nn/linear.ts";
import { mul } from "../../src/ops/elementwise.ts";
import { sum } from "../../src/ops/reduce.ts";
import { tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { tryWebGpu } from "../backends/webgpu_helpers.ts";

/** One attention problem: sizes, head layout, and its seeded inputs. */
interface Case {
  label: string;
  b: number;
  t: number;
  s: number;
  spec: AttentionSpec;
}

const total = (w: readonly number[]) => w.reduce((a, c) => a + c, 0);

function spec(qk: number[], v: number[], causal = false, scale?: number): AttentionSpec {
  return { qk, v, causal, scale: scale ?? 1 / Math.sqrt(Math.max(1, ...qk)) };
}

/** The edge cases every check below runs over. */
const CASES: Case[] = [
  { label: "1 head", b: 2, t: 4, s: 4, spec: spec([3], [3]) },
  { label: "unequal heads, S ≠ T", b: 3, t: 5, s: 7, spec: spec([2, 4, 1], [3, 1, 5]) },
  { label: "a head of qk width 0", b: 2, t: 3, s: 6, spec: spec([2, 0, 3], [2, 3, 1]) },
  { label: "a head of v width 0", b: 2, t: 4, s: 3, spec: spec([2, 3, 1], [2, 0, 3]) },
  { label: "causal, unequal heads", b: 2, t: 5, s: 5, spec: spec([2, 3, 0], [1, 4, 2], true) },
  { label: "T = 1, S = 1", b: 2, t: 1, s: 1, spec: spec([2, 1], [1, 2]) },
  { label: "T = 1 causal", b: 3, t: 1, s: 1, spec: spec([3], [2], true) },
  { label: "T = 1, S = 4", b: 2, t: 1, s: 4, spec: spec([1, 2], [3, 1]) },
  { label: "batch 1, prime sizes", b: 1, t: 7, s: 11, spec: spec([3, 5], [7, 2], false, 0.37) },
  { label: "batch 1, prime causal", b: 1, t: 7, s: 7, spec: spec([5, 2, 3], [3, 7, 1], true) },
];

/** Seeded q, k, v values of a case (scores of order 1: softmax neither flat nor one-hot). */
function inputs(c: Case, seed: number): { q: number[]; k: number[]; v: number[] } {
  const rng = new Rng(seed);
  const sq = total(c.spec.qk), sv = total(c.spec.v);
  const draw = (n: number) => Array.from({ length: n }, () => rng.normal());
  return { q: draw(c.b * c.t * sq), k: draw(c.b * c.s * sq), v: draw(c.b * c.s * sv) };
}

/** The float64 reference: per batch, head and query, scores, masked softmax, weighted sum. */
function reference(c: Case, x: { q: number[]; k: number[]; v: number[] }): Float64Array {
  const { b: nb, t: nt, s: ns, spec: sp } = c;
  const sq = total(sp.qk), sv = total(sp.v);
  const out = new Float64Array(nb * nt * sv);
  for (let b = 0; b < nb; b++) {
    let qo = 0, vo = 0;
    for (let h = 0; h < sp.qk.length; h++) {
      for (let t = 0; t < nt; t++) {
        const keys = sp.causal ? t + 1 : ns;
        const scores: number[] = [];
        for (let j = 0; j < keys; j++) {
          let d = 0;
          for (let i = 0; i < sp.qk[h]; i++) {
            d += x.q[(b * nt + t) * sq + qo + i] * x.k[(b * ns + j) * sq + qo + i];
          }
          scores.push(sp.scale * d);
        }
        const top = Math.max(...scores);
        const e = scores.map((z) => Math.exp(z - top));
        const z = e.reduce((a, w) => a + w, 0);
        for (let ch = 0; ch < sp.v[h]; ch++) {
          let acc = 0;
          for (let j = 0; j < keys; j++) acc += (e[j] / z) * x.v[(b * ns + j) * sv + vo + ch];
          out[(b * nt + t) * sv + vo + ch] = acc;
        }
      }
      qo += sp.qk[h];
      vo += sp.v[h];
    }
  }
  return out;
}

/** q, k, v as tensors of a case on `be`. */
function tensors(
  c: Case,
  x: { q: number[]; k: number[]; v: number[] },
  be: Backend,
  dtype: "float32" | "float64",
  requiresGrad = false,
): [Tensor, Tensor, Tensor] {
  const sq = total(c.spec.qk), sv = total(c.spec.v);
  const o = { backend: be, dtype, requiresGrad };
  return [
    tensor(x.q, [c.b, c.t, sq], o),
    tensor(x.k, [c.b, c.s, sq], o),
    tensor(x.v, [c.b, c.s, sv], o),
  ];
}

/** Largest |a − b| over the largest |b| (at least 1). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths");
  let m = 0, s = 1;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return m / s;
}

/** A fixed random projection of the output (the scalar whose gradient is checked). */
function projection(c: Case, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: c.b * c.t * total(c.spec.v) }, () => rng.normal());
}

/** Gradients of `Σ w ⊙ attention(q, k, v)` w.r.t. q, k, v on `be`. */
async function grads(c: Case, be: Backend, dtype: "float32" | "float64"): Promise<number[][]> {
  const [q, k, v] = tensors(c, inputs(c, 3), be, dtype, true);
  const w = tensor(projection(c, 4), [c.b, c.t, total(c.spec.v)], { backend: be, dtype });
  backward(sum(mul(multiHeadAttention(q, k, v, c.spec), w)));
  const out: number[][] = [];
  for (const x of [q, k, v]) {
    out.push(x.grad ? [...await x.grad.data()] : new Array(x.size).fill(0));
  }
  return out;
}

const ref = createReferenceBackend();

Deno.test("multiHeadAttention(): equals the nested-loop float64 reference on every edge case", async (t) => {
  for (const c of CASES) {
    await t.step(c.label, () => {
      const x = inputs(c, 3);
      const y = multiHeadAttention(...tensors(c, x, ref, "float64"), c.spec);
      assert.deepEqual(y.shape, [c.b, c.t, total(c.spec.v)]);
      const err = relErr(y.toArray(), reference(c, x));
      assert.ok(err < 1e-12, `${c.label}: ${err}`);
    });
  }
});

Deno.test("multiHeadAttention(): a head of qk width 0 averages the values (of the visible keys); one of v width 0 ignores its q and k", async (t) => {
  await t.step(
    "qk width 0: the mean of the values over all keys, or the prefix when causal",
    () => {
      for (const causal of [false, true]) {
        const c: Case = { label: "", b: 2, t: 4, s: 4, spec: spec([0], [3], causal) };
        const x = inputs(c, 9);
        const y = multiHeadAttention(...tensors(c, x, ref, "float64"), c.spec).toArray();
        for (let b = 0; b < 2; b++) {
          for (let i = 0; i < 4; i++) {
            for (let ch = 0; ch < 3; ch++) {
              const keys = causal ? i + 1 : 4;
              let m = 0;
              for (let j = 0; j < keys; j++) m += x.v[(b * 4 + j) * 3 + ch] / keys;
              const got = y[(b * 4 + i) * 3 + ch];
              assert.ok(Math.abs(got - m) < 1e-12, `causal ${causal} [${b},${i},${ch}]`);
            }
          }
        }
      }
    },
  );
  await t.step("v width 0: changing that head's query/key channels changes nothing", () => {
    const c: Case = { label: "", b: 2, t: 3, s: 3, spec: spec([2, 3], [0, 2]) };
    const x = inputs(c, 5);
    const y0 = multiHeadAttention(...tensors(c, x, ref, "float64"), c.spec).toArray();
    const q2 = x.q.map((v, i) => (i % 5 < 2 ? v + 10 : v));
    const y1 = multiHeadAttention(...tensors(c, { ...x, q: q2 }, ref, "float64"), c.spec)
      .toArray();
    assert.deepEqual([...y1], [...y0]);
    const q3 = x.q.map((v, i) => (i % 5 >= 2 ? v + 1 : v));
    const y2 = multiHeadAttention(...tensors(c, { ...x, q: q3 }, ref, "float64"), c.spec)
      .toArray();
    assert.notDeepEqual([...y2], [...y0], "the other head's queries do count");
  });
  await t.step("every head of v width 0: zeros [B, T, 0]", () => {
    const c: Case = { label: "", b: 2, t: 3, s: 3, spec: spec([2, 1], [0, 0], true) };
    const y = multiHeadAttention(...tensors(c, inputs(c, 1), ref, "float64"), c.spec);
    assert.deepEqual(y.shape, [2, 3, 0]);
  });
  await t.step("causal: a query does not see later keys", () => {
    const c: Case = { label: "", b: 1, t: 4, s: 4, spec: spec([2], [2], true) };
    const x = inputs(c, 6);
    const y0 = multiHeadAttention(...tensors(c, x, ref, "float64"), c.spec).toArray();
    const later = (a: number[]) => a.map((v, i) => (i >= 2 * 2 ? v + 3 : v)); // tokens 2, 3
    const y1 = multiHeadAttention(
      ...tensors(c, { q: x.q, k: later(x.k), v: later(x.v) }, ref, "float64"),
      c.spec,
    ).toArray();
    assert.deepEqual([...y1.slice(0, 4)], [...y0.slice(0, 4)], "tokens 0 and 1 unchanged");
    assert.notDeepEqual([...y1.slice(4)], [...y0.slice(4)], "tokens 2 and 3 changed");
  });
});

Deno.test("multiHeadAttention(): wrong layouts are RangeErrors naming the problem and the shapes", () => {
  const z = (shape: number[]) => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
  const bad = (
    q: number[],
    k: number[],
    v: number[],
    sp: AttentionSpec,
    re: RegExp,
  ) =>
    assert.throws(
      () => multiHeadAttention(z(q), z(k), z(v), sp),
      (e: Error) => e instanceof RangeError && re.test(e.message) && /attention: /.test(e.message),
      JSON.stringify({ q, k, v, sp }),
    );
  const s2 = spec([2, 1], [1, 3]);
  bad([1, 2, 4], [1, 2, 3], [1, 2, 4], s2, /channel counts differ.*q \[1,2,4\]/);
  bad([1, 2, 3], [1, 2, 4], [1, 2, 4], s2, /channel counts differ.*k \[1,2,4\]/);
  bad([1, 2, 3], [1, 2, 3], [1, 2, 5], s2, /channel counts differ.*heads qk \[2,1\] v \[1,3\]/);
  bad([1, 2, 3], [1, 2, 3], [1, 2, 4], spec([2, 1], [4]), /one width per head/);
  bad([1, 2, 3], [1, 2, 3], [1, 2, 4], spec([4, -1], [1, 3]), /integers ≥ 0/);
  bad([1, 2, 3], [1, 2, 3], [1, 2, 4], spec([2.5, 0.5], [1, 3]), /integers ≥ 0/);
  bad([1, 2, 3], [1, 3, 3], [1, 3, 4], spec([2, 1], [1, 3], true), /causal.*as many keys/);
  bad([1, 2, 3], [2, 2, 3], [2, 2, 4], s2, /batch or key lengths/);
  bad([1, 2, 3], [1, 2, 3], [1, 3, 4], s2, /batch or key lengths/);
  bad([2, 3], [1, 2, 3], [1, 2, 4], s2, /\[B,T,C\]/);
  bad([1, 2, 3], [1, 2, 3], [1, 2, 4], { ...s2, scale: NaN }, /scale must be finite/);
});

Deno.test("multiHeadAttention(): gradients w.r.t. q, k and v match finite differences (float64)", async (t) => {
  for (const c of CASES) {
    await t.step(c.label, () => {
      const ins = tensors(c, inputs(c, 3), ref, "float64", true);
      const r = gradCheck(([q, k, v]) => multiHeadAttention(q, k, v, c.spec), ins, { seed: 2 });
      assert.equal(r.checked, ins.reduce((a, x) => a + x.size, 0));
      assert.ok(r.maxRelError < 1e-6, `${c.label}: ${r.maxRelError}`);
    });
  }
});

// A case large enough that the Wasm backend splits its GEMMs across threads.
const LARGE: Case = { label: "large", b: 2, t: 128, s: 128, spec: spec([64, 72], [40, 80], true) };

const gpu = await tryWebGpu();

/** Forward and gradients of every case (and the large one) on `be` match the reference. */
async function matchesReference(be: Backend, cases: Case[]): Promise<void> {
  for (const c of cases) {
    const x = inputs(c, 3);
    const y = await multiHeadAttention(...tensors(c, x, be, "float32"), c.spec).data();
    const fe = relErr(y, reference(c, x));
    assert.ok(fe < 2e-6, `${be.name} ${c.label} forward: ${fe}`);
    const want = await grads(c, ref, "float64"), got = await grads(c, be, "float32");
    ["q", "k", "v"].forEach((n, i) => {
      const ge = relErr(got[i], want[i]);
      assert.ok(ge < 1e-5, `${be.name} ${c.label} d${n}: ${ge}`);
    });
  }
}

Deno.test("multiHeadAttention() on wasm (threads 1 and 2): forward and gradients match the float64 reference; 2 threads are bit-identical to 1", async () => {
  const one = createWasmBackend({ threads: 1 }), two = createWasmBackend({ threads: 2 });
  try {
    await matchesReference(one, [...CASES, LARGE]);
    await matchesReference(two, CASES);
    const run = async (be: WasmBackend) => {
      const y = multiHeadAttention(...tensors(LARGE, inputs(LARGE, 3), be, "float32"), LARGE.spec);
      return [...await y.data(), ...(await grads(LARGE, be, "float32")).flat()];
    };
    const t0 = Date.now();
    await run(two); // starts the workers
    while (two.parallelCalls() === 0 && Date.now() - t0 < 20000) {
      await new Promise((r) => setTimeout(r, 20));
      await run(two);
    }
    const before = two.parallelCalls();
    const got = await run(two);
    assert.ok(two.parallelCalls() > before, "the large case split across the 2 threads");
    assert.deepEqual(got, await run(one));
  } finally {
    two.dispose();
  }
});

Deno.test({
  name: "multiHeadAttention() on webgpu: forward and gradients match the float64 reference",
  ignore: gpu === null,
  fn: () => matchesReference(gpu!, [...CASES, LARGE]),
});

Deno.test("SelfAttention: o(attention(q(x), k(x), v(x))) of equal heads; Linear on [B, T, C] is per-token; bad sizes are RangeErrors", () => {
  const mha = new SelfAttention(6, 3, { rng: new Rng(2), causal: true });
  assert.deepEqual(mha.attrs, {
    qk: [2, 2, 2],
    v: [2, 2, 2],
    scale: 1 / Math.sqrt(2),
    causal: true,
  });
  const rng = new Rng(8);
  const xs = Array.from({ length: 2 * 4 * 6 }, () => rng.normal());
  const x = tensor(xs, [2, 4, 6]);
  // Each projection, token by token, as rank-2 Linear calls.
  const proj = (l: Linear, rows: number[]) => {
    const out: number[] = [];
    for (let r = 0; r < rows.length / 6; r++) {
      out.push(...l.forward(tensor(rows.slice(6 * r, 6 * r + 6), [1, 6])).toArray());
    }
    return out;
  };
  const c: Case = { label: "", b: 2, t: 4, s: 4, spec: mha.attrs };
  const a = reference(c, { q: proj(mha.q, xs), k: proj(mha.k, xs), v: proj(mha.v, xs) });
  const want = proj(mha.o, [...a]);
  const got = mha.forward(x);
  assert.deepEqual(got.shape, [2, 4, 6]);
  assert.ok(relErr(got.toArray(), want) < 1e-5, `${relErr(got.toArray(), want)}`);
  const x4 = tensor([...xs, ...xs], [2, 2, 4, 6]);
  assert.deepEqual(mha.q.forward(x4).shape, [2, 2, 4, 6]);
  assert.deepEqual([...mha.q.forward(x4).toArray().slice(0, 48)], [...mha.q.forward(x).toArray()]);
  assert.throws(() => new SelfAttention(6, 4), /SelfAttention: dim 6 is not a multiple of heads 4/);
  assert.throws(
    () => new SelfAttention(6, 0),
    /SelfAttention: heads must be an integer ≥ 1, got 0/,
  );
});
