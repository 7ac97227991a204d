import assert from "node:assert/strict";
import { join } from "node:path";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { saveModel } from "../../src/io/model_file.ts";
import { mlp } from "../../src/nn/models.ts";
import { runCli } from "./run_cli.ts";

/** A temp folder with a small model `m.st` and a plain file `file`. */
async function folder(): Promise<{ dir: string; m: string; file: string }> {
  const dir = await Deno.makeTempDir();
  const { graph, params } = toGraph(mlp([784, 6, 10], { seed: 2 }), [1, 28, 28], "784-6-10");
  const m = join(dir, "m.st"), file = join(dir, "file");
  await saveModel(m, fromGraph(graph, params));
  await Deno.writeTextFile(file, "not a folder");
  return { dir, m, file };
}

Deno.test("outputs: no command overwrites its input, however the path is spelled", async () => {
  const { dir, m } = await folder();
  try {
    const before = await Deno.readFile(m);
    await Deno.symlink(m, join(dir, "link.st"));
    for (const out of [join(dir, ".", "sub", "..", "m.st"), join(dir, "link.st")]) {
      await Deno.mkdir(join(dir, "sub"), { recursive: true });
      for (const cmd of ["prune", "minimize", "release", "finetune"]) {
        const r = await runCli([cmd, m, "--out", out, "--force"]);
        assert.equal(r.code, 2, `${cmd} --out ${out}`);
        assert.ok(r.err.includes(`${cmd}: --out ${out} is the input file ${m}`), r.err);
      }
    }
    assert.deepEqual(await Deno.readFile(m), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("outputs: an existing --out needs --force; folders and paths under a file are refused first", async () => {
  const { dir, m, file } = await folder();
  try {
    const p = join(dir, "p.st");
    assert.equal((await runCli(["prune", m, "--out", p])).code, 0);
    const again = await runCli(["prune", m, "--out", p]);
    assert.equal(again.code, 2);
    assert.ok(again.err.includes(`prune: --out ${p} exists; pass --force to replace it`));
    assert.equal((await runCli(["prune", m, "--out", p, "--force"])).code, 0);
    const inFile = join(file, "x.st");
    const under = await runCli(["prune", m, "--out", inFile]);
    assert.ok(under.err.includes(`prune: --out ${inFile}: ${file} is not a folder`), under.err);
    const isDir = await runCli(["minimize", m, "--out", dir]);
    assert.ok(isDir.err.includes(`minimize: --out ${dir} is a folder; give a file path`));
    const nested = join(dir, "new", "deeper", "p.st");
    assert.equal((await runCli(["prune", m, "--out", nested])).code, 0, "missing folders are made");
    assert.ok((await Deno.stat(nested)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("outputs: train and cycle check --out before any training", async () => {
  const { dir, file } = await folder();
  try {
    const t = await runCli(["train", "--epochs", "1", "--out", join(file, "m.st")]);
    assert.equal(t.code, 2);
    assert.match(t.err, /train: --out .*file\/m\.st: .*file is not a folder/);
    assert.doesNotMatch(t.out, /training/);
    const c = await runCli(["cycle", "--out", file]);
    assert.equal(c.code, 2);
    assert.ok(c.err.includes(`cycle: --out ${file} is a file, not a folder`));
    await Deno.writeTextFile(join(dir, "report.json"), "{}");
    const held = await runCli(["cycle", "--out", dir]);
    assert.ok(
      held.err.includes(
        `cycle: --out ${dir} holds an earlier run (report.json); pass --resume to continue it or --force to start over`,
      ),
      held.err,
    );
    const both = await runCli(["cycle", "--out", dir, "--resume", "--force"]);
    assert.match(both.err, /--resume continues a run and --force starts over; pick one/);
    assert.doesNotMatch(held.out + both.out + c.out, /squeeze-release on/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
