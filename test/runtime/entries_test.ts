import assert from "node:assert/strict";
import { join } from "node:path";
import * as full from "../../mod.ts";
import * as rt from "../../src/runtime/mod.ts";
import { REPO } from "../run_deno.ts";

Deno.test("deno.json: the package exports the user API, the inference runtime and the CLI", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json")));
  assert.deepEqual(config.exports, {
    ".": "./mod.ts",
    "./runtime": "./src/runtime/mod.ts",
    "./cli": "./src/cli/main.ts",
  });
  for (const path of Object.values(config.exports) as string[]) {
    assert.ok((await Deno.stat(join(REPO, path))).isFile, `${path} is not a file`);
  }
});

Deno.test("mod.ts: exports no internals (minimizer graph and rules, op tables, pruning units, checkpoints)", () => {
  const names = Object.keys(full);
  for (
    const n of [
      "MinGraph",
      "RULES",
      "keepIndices",
      "analyze",
      "channelClasses",
      "removableChannels",
      "LAYER_OPS",
      "OP_TABLE",
      "apply",
      "pruneUnits",
      "kthSmallest",
      "saveCheckpoint",
      "loadCheckpoint",
      "writeFileAtomic",
    ]
  ) assert.ok(!names.includes(n), `mod.ts exports ${n}`);
  for (const n of ["squeezeRelease", "minimize", "pruneToBudget", "fit", "saveModel"]) {
    assert.ok(names.includes(n), `mod.ts lacks ${n}`);
  }
});

Deno.test("runtime entry: exports no training API, and each of its names is the main entry's", () => {
  const names = Object.keys(rt);
  for (
    const n of [
      "backward",
      "gradCheck",
      "fit",
      "trainStep",
      "AdamW",
      "SGD",
      "crossEntropy",
      "minimize",
      "pruneToBudget",
      "release",
      "squeezeRelease",
      "loadMnist",
      "saveModel",
      "lenet300100",
    ]
  ) assert.ok(!names.includes(n), `the runtime exports ${n}`);
  for (const n of ["decodeModel", "loadModel", "GraphModule", "createBackend", "tensor"]) {
    assert.ok(names.includes(n), `the runtime lacks ${n}`);
  }
  const main = full as Record<string, unknown>;
  for (const n of names) {
    assert.equal(main[n], (rt as Record<string, unknown>)[n], `mod.ts's ${n} is another object`);
  }
});
