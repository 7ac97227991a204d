import assert from "node:assert/strict";
import { backward } from "../../src/autograd/backward.ts";
import { gradCheck } from "../../src/autograd/grad_check.ts";
import { randn, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import { crossEntropy } from "../../src/ops/loss.ts";
import { mul } from "../../src/ops/elementwise.ts";
import { sum } from "../../src/ops/reduce.ts";
import { Linear } from "../../src/nn/linear.ts";
import { linear } from "../../src/nn/functional.ts";
import { lenet300100, mlp } from "../../src/nn/models.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { SGD } from "../../src/nn/optim/sgd.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import { constantLr, cosineLr, stepLr } from "../../src/nn/schedule.ts";
import { fans, initWeights } from "../../src/nn/init.ts";
import { evaluate, fit } from "../../src/nn/train.ts";
import { ProgressBar } from "../../src/nn/progress.ts";
import type { Dataset } from "../../src/data/dataset.ts";

Deno.test("Linear.forward() equals x·Wᵀ + b and its gradients pass finite differences", () => {
  const fc = new Linear(5, 3, { rng: new Rng(2) });
  const x = randn([4, 5], new Rng(3));
  const y = fc.forward(x).toArray(), W = fc.weight.toArray(), xs = x.toArray();
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 5; k++) s += xs[i * 5 + k] * W[j * 5 + k];
      assert.ok(Math.abs(y[i * 3 + j] - s) < 1e-5);
    }
  }
  const r = new Rng(4);
  const opts = { dtype: "float64" as const, requiresGrad: true };
  const res = gradCheck(
    ([xx, w, b]) => crossEntropy(linear(xx, w, b), Int32Array.of(0, 2, 1)),
    [randn([3, 4], r, opts), randn([3, 4], r, opts), randn([3], r, opts)],
  );
  assert.ok(res.maxRelError < 1e-6, String(res.maxRelError));
  assert.throws(() => new Linear(0, 3), /inFeatures must be an integer ≥ 1, got 0/);
});

Deno.test("mlp()/lenet300100(): named parameters, counts, seeded init", () => {
  const net = lenet300100({ seed: 5 });
  assert.equal(net.parameterCount(), 266610);
  assert.deepEqual([...net.namedParameters().keys()], [
    "fc1.weight",
    "fc1.bias",
    "fc2.weight",
    "fc2.bias",
    "fc3.weight",
    "fc3.bias",
  ]);
  assert.deepEqual(
    lenet300100({ seed: 5 }).parameters()[0].toArray(),
    net.parameters()[0].toArray(),
  );
  assert.notDeepEqual(
    lenet300100({ seed: 6 }).parameters()[0].toArray(),
    net.parameters()[0].toArray(),
  );
  assert.equal(mlp([784, 1024, 1024, 10]).parameterCount(), 1863690);
  assert.throws(() => mlp([10]), RangeError);
});

Deno.test("initWeights(): Kaiming/Xavier variances match their formulas", () => {
  const rng = new Rng(0);
  for (
    const kind of ["kaiming_normal", "kaiming_uniform", "xavier_normal", "xavier_uniform"] as const
  ) {
    const w = initWeights([200, 300], kind, rng);
    const v = w.reduce((s, x) => s + x * x, 0) / w.length;
    const [fi, fo] = fans([200, 300]);
    const want = kind.startsWith("kaiming") ? 2 / fi : 2 / (fi + fo);
    assert.ok(Math.abs(v / want - 1) < 0.03, `${kind}: variance ${v} vs ${want}`);
  }
});

Deno.test("SGD.step() follows PyTorch's momentum/weight-decay formula", () => {
  const p = Parameter.from(tensor([1, -2], [2]));
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  let w = [1, -2];
  const v = [0, 0];
  const grads = [[0.5, 0.25], [-1, 2]];
  for (const g of grads) {
    p.grad = tensor(g, [2]);
    opt.step();
    w = w.map((wi, i) => {
      const d = g[i] + 0.01 * wi;
      v[i] = 0.9 * v[i] + d;
      return wi - 0.1 * v[i];
    });
    const got = p.toArray();
    w.forEach((wi, i) => assert.ok(Math.abs(got[i] - wi) < 1e-6));
  }
  assert.equal(p.grad, null);
});

Deno.test("AdamW.step() follows the bias-corrected, decoupled-decay formula", () => {
  const p = Parameter.from(tensor([0.5], [1]));
  const opt = new AdamW([p], { lr: 0.01, weightDecay: 0.1 });
  let w = 0.5, m = 0, v = 0;
  for (let t = 1; t <= 3; t++) {
    const g = 0.3 * t;
    p.grad = tensor([g], [1]);
    opt.step();
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    w = w * (1 - 0.01 * 0.1) -
      (0.01 * m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    assert.ok(Math.abs(p.item() - w) < 1e-6, `step ${t}: ${p.item()} vs ${w}`);
  }
});

Deno.test("optimizers keep masked entries exactly zero and reject bad masks", () => {
  const p = Parameter.from(tensor([1, 2, 3, 4], [2, 2]));
  p.mask = tensor([1, 0, 1, 0], [2, 2]);
  assert.deepEqual([...p.toArray()], [1, 0, 3, 0]);
  for (const opt of [new AdamW([p], { lr: 0.1 }), new SGD([p], { lr: 0.1, momentum: 0.9 })]) {
    for (let i = 0; i < 3; i++) {
      p.grad = tensor([1, 1, 1, 1], [2, 2]);
      opt.step();
    }
  }
  const d = p.toArray();
  assert.equal(d[1], 0);
  assert.equal(d[3], 0);
  assert.notEqual(d[0], 1);
  assert.throws(
    () => (p.mask = tensor([1, 0], [2])),
    /mask shape \[2\] differs from parameter \[2,2\]/,
  );
});

Deno.test("schedules: constant, step and cosine with warm-up", () => {
  assert.equal(constantLr(0.1)(1000), 0.1);
  const s = stepLr(1, 10, 0.5);
  assert.deepEqual([s(0), s(9), s(10), s(25)], [1, 1, 0.5, 0.25]);
  const c = cosineLr(1, 110, { warmup: 10 });
  assert.ok(Math.abs(c(0) - 0.1) < 1e-12 && c(9) === 1 && c(10) === 1);
  assert.ok(Math.abs(c(60) - 0.5) < 1e-12 && c(110) === 0);
  assert.throws(() => cosineLr(1, 0), RangeError);
});

function blobs(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Float32Array(n * 4), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(3);
    labels[i] = c;
    for (let f = 0; f < 4; f++) inputs[i * 4 + f] = rng.normal() * 0.5 + (f === c ? 2 : 0);
  }
  return { name: "blobs", sampleShape: [4], inputs, labels, classes: 3 };
}

Deno.test("fit() learns a separable problem, is reproducible by seed, and reports epochs", async () => {
  const run = async () => {
    const net = mlp([4, 16, 3], { seed: 1 });
    const opt = new AdamW(net.parameters(), { lr: 0.01 });
    const lines: string[] = [];
    const hist = await fit(net, blobs(600, 1), {
      optimizer: opt,
      epochs: 5,
      batchSize: 32,
      seed: 3,
      validation: blobs(200, 2),
      progress: { write: (t) => lines.push(t), isTerminal: false },
    });
    return { net, hist, lines };
  };
  const a = await run(), b = await run();
  assert.equal(a.hist.length, 5);
  assert.ok(a.hist[4].validation!.accuracy > 0.95, `val acc ${a.hist[4].validation!.accuracy}`);
  assert.ok(a.hist[4].trainLoss < a.hist[0].trainLoss);
  assert.deepEqual(a.net.parameters()[0].toArray(), b.net.parameters()[0].toArray());
  assert.ok(a.lines.some((l) => l.startsWith("epoch 5/5 train loss")));
  assert.ok(!a.lines.some((l) => l.includes("\r")), "no carriage returns when not a TTY");
  assert.equal((await evaluate(a.net, blobs(200, 2))).accuracy, a.hist[4].validation!.accuracy);
});

Deno.test("fit() with a regularizer adds it to the loss (weights shrink)", async () => {
  const l2 = async (scaleBy: number) => {
    const net = mlp([4, 8, 3], { seed: 1 });
    await fit(net, blobs(200, 1), {
      optimizer: new SGD(net.parameters(), { lr: 0.05 }),
      epochs: 2,
      progress: false,
      regularizer: (m) => {
        const w = m.parameters()[0];
        return scaleBy ? mul(sum(mul(w, w)), tensor([scaleBy], [1])) : null;
      },
    });
    const w = net.parameters()[0].toArray();
    return Array.from(w).reduce((s, x) => s + x * x, 0);
  };
  assert.ok((await l2(1)) < (await l2(0)));
});

Deno.test("ProgressBar draws in place on a TTY and prints plain lines otherwise", () => {
  const tty: string[] = [], plain: string[] = [];
  const a = new ProgressBar(100, "x", { write: (t) => tty.push(t), isTerminal: true });
  const b = new ProgressBar(100, "x", { write: (t) => plain.push(t), isTerminal: false });
  for (let i = 0; i < 100; i++) {
    a.tick();
    b.tick();
  }
  a.done("ok");
  b.done("ok");
  assert.ok(tty[0].startsWith("\r"));
  assert.ok(plain.length >= 9 && plain.length <= 11, `plain lines: ${plain.length}`);
  assert.ok(plain.every((l) => l.endsWith("\n")));
});

Deno.test("backward() accumulates into leaves across calls and rejects non-scalars", () => {
  const x = tensor([1, 2], [2], { requiresGrad: true });
  backward(sum(mul(x, x)));
  backward(sum(x));
  assert.deepEqual([...x.grad!.toArray()], [3, 5]);
  assert.throws(() => backward(mul(x, x)), /pass a gradient or reduce it to a scalar/);
  assert.throws(() => backward(tensor([1])), /does not depend on any tensor with requiresGrad/);
});
