import assert from "node:assert/strict";
import { join } from "node:path";
import { squeezeRelease } from "../../src/cycle/cycle.ts";
import { CheckpointMismatchError } from "../../src/cycle/run_identity.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { mlp } from "../../src/nn/models.ts";
import { Rng } from "../../src/tensor/random.ts";
import { runCli } from "../cli/run_cli.ts";

function toy(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = Float32Array.from({ length: n * 8 }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) => (inputs[i * 8] > 0 ? 1 : 0));
  return { name: `toy${seed}`, sampleShape: [8], inputs, labels, classes: 2 };
}
const data = { train: toy(200, 1), validation: toy(50, 2), test: toy(50, 3) };
const model = (hidden: number) => {
  const { graph, params } = toGraph(mlp([8, hidden, 2], { seed: 1 }), [8], `8-${hidden}-2`);
  return fromGraph(graph, params);
};
const recipe = {
  denseEpochs: 1,
  fineTuneEpochs: 0,
  trainEpochs: 0,
  maxCycles: 1,
  lr: 1e-3,
  accuracyBudget: 100,
};

Deno.test("squeezeRelease(): resume refuses a checkpoint made with other options, model or data, naming each", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const checkpointDir = join(dir, "ck");
    await squeezeRelease(model(6), data, recipe, { checkpointDir });
    const resume = (m = model(6), o = {}, d = data) =>
      squeezeRelease(m, d, { ...recipe, ...o }, { checkpointDir, resume: true });
    const refused = async (run: Promise<unknown>, keys: string[], text: RegExp) => {
      await assert.rejects(() => run, (e: Error) => {
        assert.ok(e instanceof CheckpointMismatchError, String(e));
        assert.deepEqual(e.mismatches.map((m) => m.key), keys);
        assert.match(e.message, text);
        return true;
      });
    };
    await refused(
      resume(model(6), { lr: 2e-3, batchSize: 64 }),
      ["lr", "batchSize"],
      /lr 0\.001 there, 0\.002 now; batchSize 128 there, 64 now/,
    );
    await refused(
      resume(model(9)),
      ["model"],
      /model "8-6-2 \(68 parameters, graph [0-9a-f]{8}\)" there, "8-9-2 \(101 parameters/,
    );
    await refused(
      resume(model(6), {}, { ...data, validation: toy(40, 2) }),
      ["data"],
      /data "toy1 200, toy2 50, toy3 50" there, "toy1 200, toy2 40, toy3 50" now/,
    );
    // A checkpoint written before backtracking existed resumes as a run without it (and is
    // refused where backtracking is asked for, as the default now does).
    const statePath = join(checkpointDir, "state.json");
    const state = JSON.parse(await Deno.readTextFile(statePath));
    delete state.options.backtrack;
    delete state.options.backtrackFactor;
    await Deno.writeTextFile(statePath, JSON.stringify(state));
    await refused(resume(model(6), {}), ["backtrack"], /backtrack 0 there, 2 now/);
    const more = await resume(model(6), { maxCycles: 2, backtrack: 0 });
    assert.equal(more.rows.at(-1)!.cycle, 2, "maxCycles may grow on resume");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("squeezeRelease(): excludeLayers outside the model is a RangeError before any training", async () => {
  let trained = false;
  await assert.rejects(
    () =>
      squeezeRelease(model(6), data, { ...recipe, excludeLayers: [2] }, {
        onEvent: () => (trained = true),
      }),
    /cycle: option excludeLayers: 2 is not a layer of this model's 2 prunable layers \(valid -2 … 1\)/,
  );
  assert.equal(trained, false);
});

Deno.test("cycle --resume with other flags than the checkpoint's is refused, naming the flags", async () => {
  const dir = await Deno.makeTempDir();
  const flags = (widths: string, p: string) => [
    "cycle",
    ...["--widths", widths, "--p", p, "--dense-epochs", "0", "--fine-tune-epochs", "0"],
    ...["--train-epochs", "0", "--max-cycles", "1", "--validation", "1000", "--out", dir],
  ];
  try {
    const first = await runCli(flags("784,12,10", "0.2"));
    assert.equal(first.code, 0, first.err);
    const again = await runCli([...flags("784,16,10", "0.3"), "--resume"]);
    assert.equal(again.code, 2);
    assert.match(
      again.err,
      /cycle --resume: the checkpoint in .* was made with other settings: --p 0\.2 there, 0\.3 now; the model \(--arch, --widths, --depths, --dims, --stem, --model\) "784-12-10 .*" there, "784-16-10 .*" now\. Resume with the same options, or --force to start over\./,
    );
    assert.doesNotMatch(again.out, /resuming at cycle/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A checkpoint folder's state record without timings, and its model files' bytes. */
async function checkpointFiles(dir: string): Promise<Record<string, unknown>> {
  const state = JSON.parse(await Deno.readTextFile(join(dir, "state.json")));
  for (const row of state.rows) delete row.seconds;
  const out: Record<string, unknown> = { state };
  for (const f of ["next", "best", "dense"]) {
    out[f] = await Deno.readFile(join(dir, `${f}.safetensors`));
  }
  return out;
}

Deno.test("squeezeRelease(): a run resumed after each cycle writes the same checkpoint as one uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const o = { ...recipe, fineTuneEpochs: 1, trainEpochs: 1, maxCycles: 3, patience: 5 };
    const whole = join(dir, "whole"), parts = join(dir, "parts");
    const a = await squeezeRelease(model(12), data, o, { checkpointDir: whole });
    for (let maxCycles = 1; maxCycles <= 3; maxCycles++) {
      await squeezeRelease(model(12), data, { ...o, maxCycles }, {
        checkpointDir: parts,
        resume: true,
      });
    }
    assert.ok(a.rows.length === 4, `${a.rows.length} rows: every cycle was accepted`);
    assert.ok(a.rows.at(-1)!.params < a.rows[0].params, "the run removed units");
    const [want, got] = [await checkpointFiles(whole), await checkpointFiles(parts)];
    assert.equal((got.state as { nextCycle: number }).nextCycle, 4);
    assert.deepEqual(got, want);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
