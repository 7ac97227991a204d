import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli as run } from "./run_cli.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { saveModel } from "../../src/io/model_file.ts";
import { mlp } from "../../src/nn/models.ts";
import { tensor } from "../../src/tensor/create.ts";

Deno.test("main(): help, unknown commands and bad flags give usage errors with exit code 2", async () => {
  assert.equal((await run([])).code, 2);
  const h = await run(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.out, /train\s+train a fully-connected network/);
  assert.match((await run(["prune9"])).err, /unknown command "prune9"/);
  const bad = await run(["train", "--epochs", "zero"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /train: --epochs must be an integer in \[1, 1000\], got "zero"/);
  assert.match((await run(["train", "--bogus"])).err, /train: Unknown option '--bogus'/);
  assert.match((await run(["train", "--widths", "784,0,10"])).err, /--widths must be integers/);
  assert.match(
    (await run(["train", "--help"])).out,
    /--epochs N\s+passes over the training split \[15\]/,
  );
  assert.match((await run(["inspect", "/nonexistent/m.safetensors"])).err, /inspect: no such file/);
});

Deno.test("inspect prints layers, shapes, parameter count and per-tensor sparsity", async () => {
  const { graph, params } = toGraph(mlp([784, 30, 10], { seed: 1 }), [1, 28, 28], "small");
  const gm = fromGraph(graph, params);
  gm.namedParameters().get("fc2.weight")!.mask = tensor(
    Array.from({ length: 300 }, (_, i) => (i < 150 ? 0 : 1)),
    [10, 30],
  );
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "s.safetensors");
    await saveModel(path, gm);
    const r = await run(["inspect", path]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /%fc1 = linear\(%flatten\)\s+-> \[N,30\]/);
    assert.match(r.out, /fc2\.weight\s+\[10,30\]\s+150\s+50\.0%/);
    assert.match(r.out, /total 23,860 parameters/);
    const bad = join(dir, "bad.safetensors");
    await Deno.writeFile(bad, new Uint8Array([1, 2, 3]));
    const e = await run(["inspect", bad]);
    assert.equal(e.code, 1);
    assert.match(e.err, /SyntaxError: .*bad\.safetensors: byte 0: truncated/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prune → minimize → release → eval: the CLI pipeline on a saved model", async () => {
  const { graph, params } = toGraph(mlp([784, 40, 20, 10], { seed: 3 }), [1, 28, 28], "p");
  const dir = await Deno.makeTempDir();
  try {
    const m = join(dir, "m.safetensors"), p = join(dir, "p.safetensors");
    const q = join(dir, "q.safetensors"), r = join(dir, "r.safetensors");
    await saveModel(m, fromGraph(graph, params));
    const pr = await run([
      "prune",
      m,
      "--sparsity",
      "0.8",
      "--unit-fraction",
      "0.25",
      "--input-fraction",
      "0.5",
      "--out",
      p,
    ]);
    assert.equal(pr.code, 0, pr.err);
    assert.match(
      pr.out,
      /pruned: 32,360 → 6,471 nonzero weights, units zeroed per hidden layer \[10,5\], input features zeroed 392/,
    );
    const mi = await run(["minimize", p, "--out", q]);
    assert.equal(mi.code, 0, mi.err);
    assert.match(
      mi.out,
      /minimized p → p-\d+-30-15-10: 32,430 → \d[\d,]* parameters .*widths \d+-30-15-10.*max rel diff on the test set/,
    );
    const ev1 = await run(["eval", p]), ev2 = await run(["eval", q]);
    assert.equal(ev1.out, ev2.out, "masked and minimized models score the same");
    const re = await run(["release", q, "--alpha", "0.01", "--out", r]);
    assert.equal(re.code, 0, re.err);
    assert.match(re.out, /released [\d,]+ zeros with α=0.01/);
    assert.match((await run(["minimize", p])).err, /minimize: --out PATH is required/);
    assert.match(
      (await run(["prune", m, "--sparsity", "2", "--out", p])).err,
      /--sparsity must be a number in \[0, 1\]/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cycle: runs end to end on real MNIST (tiny settings), writes the report and a reloadable model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await run([
      "cycle",
      "--widths",
      "784,16,10",
      "--dense-epochs",
      "1",
      "--fine-tune-epochs",
      "0",
      "--train-epochs",
      "0",
      "--max-cycles",
      "2",
      "--budget-pp",
      "100",
      "--out",
      dir,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /squeeze-release on 784-16-10 .* backend wasm/);
    assert.match(r.out, /^\[cycle 0\] dense: 1 epoch, group_lasso/m);
    assert.match(r.out, /cycle\s+params\s+bytes\s+ratio\s+widths/);
    assert.match(r.out, /reloaded test accuracy [\d.]+% \(reproduced\)/);
    const report = JSON.parse(await Deno.readTextFile(join(dir, "report.json")));
    assert.equal(report.rows.length, 3);
    assert.ok(report.rows[2].params < report.rows[0].params);
    assert.ok(report.rows.slice(1).every((x: { maxRelDiff: number }) => x.maxRelDiff <= 1e-5));
    const bad = await run(["cycle", "--backend", "cuda"]);
    assert.match(bad.err, /--backend must be one of auto, wasm, js, webgpu, got "cuda"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
