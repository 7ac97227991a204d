/**
 * vit() and textEncoder(): parameter counts by hand formula, Module.forward equal to the
 * graph's forward, option errors, determinism by seed, and short training runs on tiny
 * synthetic tasks that lower the loss.
 */
import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { textEncoder, vit } from "../../src/nn/transformer_models.ts";
import type { Module } from "../../src/nn/module.ts";
import { backward } from "../../src/autograd/backward.ts";
import { tryWebGpu } from "../backends/webgpu_helpers.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import { trainStep } from "../../src/nn/train.ts";
import { crossEntropy } from "../../src/ops/loss.ts";
import { tensor } from "../../src/tensor/create.ts";
import { noGrad } from "../../src/tensor/grad_mode.ts";
import { Rng } from "../../src/tensor/random.ts";
import { tidy } from "../../src/tensor/scope.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";

const count = (m: Module) => m.parameters().reduce((a, p) => a + p.size, 0);

/** Parameters of the blocks and the head: pre-LN attention and MLP blocks, norm, linear. */
function blocksAndHead(
  d: number,
  depth: number,
  mlp: number,
  classes: number,
  norm: "layer" | "rms",
): number {
  const n = norm === "layer" ? 2 * d : d; // γ (and β) of one norm
  const attn = n + 4 * (d * d + d); // norm, q, k, v, o
  const ff = n + (d * mlp + mlp) + (mlp * d + d); // norm, fc1, fc2
  return depth * (attn + ff) + n + d * classes + classes;
}

Deno.test("vit() and textEncoder(): parameter counts by hand formula", async (t) => {
  await t.step("vit() defaults: 138,890", () => {
    // 7×7 patches of 28×28 → 16 tokens; width 64, 4 blocks, MLP 128, 10 classes.
    const want = 64 * 49 + 64 + 16 * 64 + blocksAndHead(64, 4, 128, 10, "layer");
    assert.equal(want, 138_890);
    assert.equal(count(vit()), want);
  });
  await t.step("vit with a class token, RMSNorm, 3 input channels, 4×4 patches of 12×12", () => {
    const net = vit({
      dim: 24,
      depth: 2,
      heads: 3,
      mlp: 40,
      classes: 5,
      norm: "rms",
      imageSize: 12,
      inChannels: 3,
      patch: 4,
      pool: "cls",
    });
    const tokens = 9 + 1;
    assert.equal(
      count(net),
      24 * 3 * 16 + 24 + 24 + tokens * 24 + blocksAndHead(24, 2, 40, 5, "rms"),
    );
  });
  await t.step("textEncoder defaults and a causal RMSNorm one", () => {
    assert.equal(
      count(textEncoder({ vocab: 100, length: 12 })),
      100 * 64 + 12 * 64 + blocksAndHead(64, 4, 128, 2, "layer"),
    );
    const net = textEncoder({
      vocab: 37,
      length: 9,
      dim: 16,
      depth: 3,
      heads: 4,
      mlp: 20,
      norm: "rms",
      classes: 3,
      causal: true,
    });
    assert.equal(count(net), 37 * 16 + 9 * 16 + blocksAndHead(16, 3, 20, 3, "rms"));
  });
  await t.step("depth 0: the stem and the head only", () => {
    assert.equal(
      count(vit({ depth: 0, dim: 8, heads: 2 })),
      8 * 49 + 8 + 16 * 8 + blocksAndHead(8, 0, 16, 10, "layer"),
    );
  });
});

/** Seeded images `[n, c, s, s]` and token ids `[n, len]` (float values). */
function images(n: number, c: number, s: number, seed: number, be?: Backend): Tensor {
  const rng = new Rng(seed);
  return tensor(Array.from({ length: n * c * s * s }, () => rng.normal()), [n, c, s, s], {
    backend: be,
  });
}
function ids(n: number, len: number, vocab: number, seed: number, be?: Backend): Tensor {
  const rng = new Rng(seed);
  return tensor(Array.from({ length: n * len }, () => rng.int(vocab)), [n, len], { backend: be });
}

Deno.test("vit() and textEncoder(): the graph (toGraph/fromGraph) computes Module.forward bit-for-bit; node names and attention attrs", async (t) => {
  const cases: [string, () => Module, number[], Tensor][] = [
    [
      "vit mean pool",
      () => vit({ dim: 16, depth: 2, heads: 4, seed: 3 }),
      [1, 28, 28],
      images(3, 1, 28, 1),
    ],
    [
      "vit cls, rms, dropout (eval)",
      () =>
        vit({
          dim: 12,
          depth: 2,
          heads: 3,
          mlp: 20,
          pool: "cls",
          norm: "rms",
          dropout: 0.2,
          imageSize: 8,
          inChannels: 2,
          patch: 2,
          seed: 5,
        }),
      [2, 8, 8],
      images(2, 2, 8, 2),
    ],
    [
      "textEncoder causal",
      () =>
        textEncoder({ vocab: 11, length: 7, dim: 8, depth: 2, heads: 2, causal: true, seed: 1 }),
      [7],
      ids(4, 7, 11, 3),
    ],
  ];
  for (const [label, make, shape, x] of cases) {
    await t.step(label, () => {
      const net = make().eval();
      const { graph, params } = toGraph(net, shape);
      const g = fromGraph(graph, params).eval();
      const want = net.forward(x).toArray(), got = g.forward(x).toArray();
      assert.ok(want.every(Number.isFinite));
      assert.deepEqual([...got], [...want]);
      const attn = graph.nodes.find((n) => n.name === "blocks.1.attn.branch.mha.attn");
      assert.ok(attn, "blocks.1.attn.branch.mha.attn");
      assert.equal(attn.op, "attention");
      assert.equal(attn.inputs.length, 3);
      const heads = (attn.attrs.qk as number[]).length;
      assert.equal(attn.attrs.causal, label.includes("causal"));
      assert.deepEqual(attn.attrs.v, attn.attrs.qk);
      assert.equal(attn.attrs.scale, 1 / Math.sqrt((attn.attrs.qk as number[])[0]));
      assert.equal(heads, label.startsWith("vit cls") ? 3 : label.startsWith("vit") ? 4 : 2);
      for (const n of ["embed", "pos", "head.norm", "head.pool", "head.fc"]) {
        assert.ok(graph.nodes.some((m) => m.name === n), n);
      }
      assert.equal(graph.nodes.some((m) => m.name === "cls"), label.includes("cls"));
    });
  }
});

Deno.test("vit() and textEncoder(): bad options are RangeErrors naming the option and the value", () => {
  const bad = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof RangeError && re.test(e.message), String(re));
  bad(() => vit({ dim: 10, heads: 4 }), /dim 10 is not a multiple of heads 4/);
  bad(() => vit({ dim: 0 }), /dim must be an integer ≥ 1, got 0/);
  bad(() => vit({ heads: 1.5 }), /heads must be an integer ≥ 1, got 1\.5/);
  bad(() => vit({ depth: -1 }), /depth must be an integer ≥ 0, got -1/);
  bad(() => vit({ mlp: 0 }), /mlp must be an integer ≥ 1, got 0/);
  bad(() => vit({ dropout: 1 }), /dropout must be in \[0, 1\), got 1/);
  bad(() => vit({ dropout: -0.1 }), /dropout must be in \[0, 1\), got -0\.1/);
  bad(() => vit({ patch: 5 }), /patch 5 does not divide the image size 28/);
  bad(() => vit({ patch: 0 }), /patch must be an integer ≥ 1, got 0/);
  bad(() => vit({ imageSize: 27.5 }), /imageSize must be an integer ≥ 1, got 27\.5/);
  bad(() => vit({ inChannels: 0 }), /inChannels must be an integer ≥ 1, got 0/);
  bad(() => vit({ classes: 0 }), /classes must be an integer ≥ 1, got 0/);
  // deno-lint-ignore no-explicit-any
  bad(() => vit({ norm: "batch" as any }), /norm must be "layer" or "rms", got "batch"/);
  // deno-lint-ignore no-explicit-any
  bad(() => vit({ pool: "max" as any }), /pool must be "mean" or "cls", got "max"/);
  bad(() => textEncoder({ vocab: 0, length: 4 }), /vocab must be an integer ≥ 1, got 0/);
  bad(() => textEncoder({ vocab: 5, length: 2.5 }), /length must be an integer ≥ 1, got 2\.5/);
  bad(() => textEncoder({ vocab: 5, length: 4, dim: 6, heads: 4 }), /not a multiple of heads/);
});

Deno.test("vit() and textEncoder(): the same seed gives the same weights, another seed others", () => {
  const values = (m: Module) => m.parameters().flatMap((p) => [...p.toArray()]);
  for (
    const make of [
      (seed: number) => vit({ dim: 8, depth: 2, heads: 2, pool: "cls", seed }),
      (seed: number) => textEncoder({ vocab: 13, length: 5, dim: 8, depth: 2, heads: 2, seed }),
    ]
  ) {
    const a = values(make(4)), b = values(make(4)), c = values(make(5));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const x = make(4);
    assert.deepEqual([...x.namedParameters().keys()], [...make(5).namedParameters().keys()]);
  }
});

/** Mean cross-entropy and accuracy of `net` on `(x, y)` (eval mode, no graph). */
function evalLoss(net: Module, x: Tensor, y: Int32Array): { loss: number; acc: number } {
  return noGrad(() =>
    tidy(() => {
      const logits = net.forward(x), l = logits.toArray(), c = logits.shape[1];
      let hits = 0;
      for (let i = 0; i < y.length; i++) {
        let best = 0;
        for (let k = 1; k < c; k++) if (l[i * c + k] > l[i * c + best]) best = k;
        if (best === y[i]) hits++;
      }
      return { loss: crossEntropy(logits, y).item(), acc: hits / y.length };
    })
  );
}

/** Trains `net` on `(x, y)` for `steps` seeded minibatches; returns held-out loss before/after. */
function train(
  net: Module,
  data: { x: number[]; y: Int32Array; shape: number[] },
  held: { x: Tensor; y: Int32Array },
  be: Backend,
  steps: number,
  lr: number,
) {
  const before = evalLoss(net.eval(), held.x, held.y);
  net.train();
  const opt = new AdamW(net.parameters(), { lr, weightDecay: 0 });
  const rng = new Rng(7), per = data.x.length / data.y.length, bs = 32;
  for (let s = 0; s < steps; s++) {
    const rows = Array.from({ length: bs }, () => rng.int(data.y.length));
    const xb = rows.flatMap((r) => data.x.slice(r * per, (r + 1) * per));
    const yb = Int32Array.from(rows, (r) => data.y[r]);
    tidy(() => {
      trainStep(net, { x: tensor(xb, [bs, ...data.shape], { backend: be }), y: yb }, {
        optimizer: opt,
      });
    });
  }
  return { before, after: evalLoss(net.eval(), held.x, held.y) };
}

/** Sequences of 6 tokens over 8 ids; label 1 when token 3 occurs. */
function tokenTask(n: number, seed: number) {
  const rng = new Rng(seed), x: number[] = [], y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const seq = Array.from({ length: 6 }, () => [0, 1, 2, 4, 5, 6, 7][rng.int(7)]);
    if (i % 2 === 0) seq[rng.int(6)] = 3;
    y[i] = i % 2 === 0 ? 1 : 0;
    x.push(...seq);
  }
  return { x, y, shape: [6] };
}

/** 8×8 images of noise; label 1 when the left half is brighter. */
function brightTask(n: number, seed: number) {
  const rng = new Rng(seed), x: number[] = [], y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const left = i % 2 === 0;
    y[i] = left ? 1 : 0;
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) x.push(rng.normal() * 0.5 + ((c < 4) === left ? 0.6 : 0));
    }
  }
  return { x, y, shape: [1, 8, 8] };
}

Deno.test("textEncoder(): a few dozen seeded AdamW steps learn 'is token 3 present' (wasm)", () => {
  const be = createWasmBackend({ threads: 1 });
  const net = textEncoder({
    vocab: 8,
    length: 6,
    dim: 16,
    depth: 1,
    heads: 2,
    mlp: 32,
    seed: 2,
    backend: be,
  });
  const held = tokenTask(128, 99);
  const r = train(
    net,
    tokenTask(512, 1),
    {
      x: tensor(held.x, [128, 6], { backend: be }),
      y: held.y,
    },
    be,
    60,
    1e-2,
  );
  assert.ok(r.before.loss > 0.6, `starts near chance: ${JSON.stringify(r)}`);
  assert.ok(r.after.loss < 0.5 * r.before.loss, `loss halves: ${JSON.stringify(r)}`);
  assert.ok(r.after.acc >= 0.9, `held-out accuracy: ${JSON.stringify(r)}`);
});

Deno.test("vit(): a few dozen seeded AdamW steps learn 'bright left half' (wasm)", () => {
  const be = createWasmBackend({ threads: 1 });
  const net = vit({
    dim: 16,
    depth: 1,
    heads: 2,
    mlp: 32,
    imageSize: 8,
    patch: 4,
    classes: 2,
    seed: 2,
    backend: be,
  });
  const held = brightTask(128, 99);
  const r = train(
    net,
    brightTask(512, 1),
    {
      x: tensor(held.x, [128, 1, 8, 8], { backend: be }),
      y: held.y,
    },
    be,
    40,
    1e-2,
  );
  assert.ok(r.before.loss > 0.6, `starts near chance: ${JSON.stringify(r)}`);
  assert.ok(r.after.loss < 0.5 * r.before.loss, `loss halves: ${JSON.stringify(r)}`);
  assert.ok(r.after.acc >= 0.9, `held-out accuracy: ${JSON.stringify(r)}`);
});

const gpu = await tryWebGpu();

/** Logits and parameter gradients of `make(be)` on `be` match the js backend's (float32). */
async function matchesJs(
  make: (be?: Backend) => Module,
  x: Tensor,
  y: Int32Array,
  be: Backend,
): Promise<void> {
  const cpu = make().eval(), dev = make(be).eval();
  const logits = cpu.forward(x);
  backward(crossEntropy(logits, y));
  const xd = tensor(x.toArray(), x.shape, { backend: be });
  const devLogits = dev.forward(xd);
  backward(crossEntropy(devLogits, y));
  const within = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
    let scale = 1e-3;
    for (const v of Array.from(want)) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < want.length; i++) {
      assert.ok(
        Math.abs(got[i] - want[i]) <= tol * scale,
        `${be.name} ${what}[${i}]: ${got[i]} vs ${want[i]}`,
      );
    }
  };
  within(await devLogits.data(), logits.toArray(), 1e-4, "logits");
  const g = dev.namedParameters();
  for (const [name, p] of cpu.namedParameters()) {
    assert.ok(p.grad, `${name} has a gradient`);
    within(await g.get(name)!.grad!.data(), p.grad.toArray(), 2e-4, name);
  }
}

const MODELS: [string, (be?: Backend) => Module, Tensor, Int32Array][] = [
  [
    "vit: patch_embed, cls_token, pos_embed, rms_norm, attention, first-token pool",
    (backend) =>
      vit({
        dim: 12,
        depth: 2,
        heads: 3,
        mlp: 20,
        imageSize: 8,
        patch: 2,
        pool: "cls",
        norm: "rms",
        classes: 3,
        seed: 4,
        backend,
      }),
    images(3, 1, 8, 5),
    Int32Array.of(0, 2, 1),
  ],
  [
    "vit: layer_norm over tokens, mean pool",
    (backend) =>
      vit({
        dim: 8,
        depth: 1,
        heads: 2,
        imageSize: 12,
        inChannels: 2,
        patch: 3,
        classes: 4,
        seed: 6,
        backend,
      }),
    images(2, 2, 12, 7),
    Int32Array.of(3, 1),
  ],
];
const TEXT: [string, (be?: Backend) => Module, Tensor, Int32Array] = [
  "textEncoder: embedding, causal attention",
  (backend) =>
    textEncoder({
      vocab: 9,
      length: 5,
      dim: 8,
      depth: 2,
      heads: 2,
      causal: true,
      seed: 8,
      backend,
    }),
  ids(4, 5, 9, 9),
  Int32Array.of(1, 0, 0, 1),
];

Deno.test("transformers on wasm: logits and every parameter gradient match the js backend", async (t) => {
  const be = createWasmBackend({ threads: 1 });
  for (const [label, make, x, y] of [...MODELS, TEXT]) {
    await t.step(label, () => matchesJs(make, x, y, be));
  }
});

Deno.test({
  name:
    "transformers on webgpu: logits and every parameter gradient of the ViTs match the js backend",
  ignore: gpu === null,
  fn: async (t) => {
    for (const [label, make, x, y] of MODELS) {
      await t.step(label, () => matchesJs(make, x, y, gpu!));
    }
    await t.step(
      "the text encoder's embedding says it needs a backend with synchronous reads",
      () => {
        const [, make, x] = TEXT;
        const xd = tensor(x.toArray(), x.shape, { backend: gpu! });
        assert.throws(
          () => make(gpu!).eval().forward(xd),
          (e: Error) =>
            e instanceof TypeError &&
            /embedding: token ids are looked up on the host, and backend "webgpu" reads asynchronously/
              .test(e.message),
        );
      },
    );
  },
});
