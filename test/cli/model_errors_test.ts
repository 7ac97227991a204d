import assert from "node:assert/strict";
import { join } from "node:path";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { loadModel, saveModel } from "../../src/io/model_file.ts";
import { mlp } from "../../src/nn/models.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import { runCli } from "./run_cli.ts";

const model = (widths: number[]): GraphModule => {
  const { graph, params } = toGraph(mlp(widths, { seed: 4 }), [1, 28, 28], widths.join("-"));
  return fromGraph(graph, params);
};

Deno.test("inspect and eval name the tensor holding NaN/Inf; release refuses such a model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const m = model([784, 8, 10]);
    const w = m.namedParameters().get("fc2.weight")!;
    const vals = w.toArray();
    vals[5] = NaN;
    vals[9] = Infinity;
    w.assign(vals);
    const path = join(dir, "nan.st");
    await saveModel(path, m);
    const ins = await runCli(["inspect", path]);
    assert.equal(ins.code, 0);
    assert.match(ins.out, /fc2\.weight\s+\[10,8\]\s+\d+\s+[\d.]+%\s+2$/m);
    assert.match(
      ins.out,
      /warning: fc2\.weight holds 2 NaN\/Inf values \(first: NaN at index 5\)/,
    );
    const ev = await runCli(["eval", path]);
    assert.equal(ev.code, 1);
    assert.match(
      ev.err,
      /eval: RangeError: eval: the model's outputs on mnist\/test hold NaN\/Inf: parameter "fc2\.weight" holds NaN at index 5 \(2 non-finite values\)/,
    );
    const out = join(dir, "r.st");
    const re = await runCli(["release", path, "--out", out]);
    assert.equal(re.code, 1);
    assert.match(re.err, /release: parameter "fc2\.weight" holds NaN at index 5/);
    await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("release: an unmet --max-change is an error and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const m = model([784, 8, 10]);
    const w = m.namedParameters().get("fc1.weight")!;
    w.assign(w.toArray().map((v, i) => (i % 2 ? 0 : v)));
    const path = join(dir, "z.st"), out = join(dir, "r.st");
    await saveModel(path, m);
    const r = await runCli([
      "release",
      path,
      "--alpha",
      "10",
      "--max-change",
      "1e-9",
      "--out",
      out,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /release: the output change [\d.e+-]+ is above --max-change 1e-9 even after 8 halvings of the noise \(α=0\.0390625\); nothing written/,
    );
    await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("eval: a model without one output per class of the dataset is an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "m12.st");
    await saveModel(path, model([784, 8, 12]));
    const r = await runCli(["eval", path]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /evaluate: the model gives 12 outputs per sample but dataset "mnist\/test" has 10 classes/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspect: non-regular files are refused at once", async () => {
  const r = await runCli(["inspect", "/dev/zero"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /inspect: TypeError: \/dev\/zero: not a model file \(a character device\)/);
});

Deno.test("prune → finetune → minimize: masks are held, each step prints its accuracy, finetune wins it back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [m, p, f, q] = ["m", "p", "f", "q"].map((n) => join(dir, `${n}.st`));
    await saveModel(m, model([784, 24, 10]));
    const acc = (text: string) => {
      const hit = text.match(
        /test accuracy ([\d.]+)% \(loss [\d.]+\) on 10,000 mnist\/test images/,
      );
      assert.ok(hit, text);
      return Number(hit[1]);
    };
    const pr = await runCli([
      "prune",
      m,
      "--sparsity",
      "0.8",
      "--unit-fraction",
      "0.25",
      "--out",
      p,
    ]);
    assert.equal(pr.code, 0, pr.err);
    assert.match(pr.err, /squeeze prune \[[\d.]+s\] selecting the [\d,]+ to keep \(global\)/);
    const ft = await runCli(["finetune", p, "--epochs", "1", "--validation", "45000", "--out", f]);
    assert.equal(ft.code, 0, ft.err);
    assert.match(
      ft.out,
      /fine-tuning 784-24-10 \(2 masked tensors held\) on mnist\/train\[train\]: 1 epoch,/,
    );
    assert.ok(acc(ft.out) > acc(pr.out) + 20, `finetune ${acc(ft.out)} vs prune ${acc(pr.out)}`);
    const [pruned, tuned] = [await loadModel(p), await loadModel(f)];
    for (const [name, w] of pruned.namedParameters()) {
      const mask = w.mask?.toArray();
      if (!mask) continue;
      const after = tuned.namedParameters().get(name)!.toArray();
      assert.ok(mask.every((k, i) => k !== 0 || after[i] === 0), `${name}: masked entries stay 0`);
    }
    const mi = await runCli(["minimize", f, "--out", q]);
    assert.equal(mi.code, 0, mi.err);
    assert.equal(acc(mi.out), acc(ft.out), "the minimized model scores what the masked one does");
    const named = mi.out.match(/minimized 784-24-10 → (\S+): .* widths (\S+), /);
    assert.ok(named && named[1] === named[2], "the minimized graph is named after its widths");
    assert.match((await runCli(["inspect", q])).out, new RegExp(`^graph ${named[1]}$`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
