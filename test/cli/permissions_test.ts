import assert from "node:assert/strict";
import { join } from "node:path";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { saveModel } from "../../src/io/model_file.ts";
import { mlp } from "../../src/nn/models.ts";
import { REPO, runDeno } from "../run_deno.ts";

const MAIN = join(REPO, "src/cli/main.ts");

/** The README's table of least permissions: command → flags. */
async function permissionTable(): Promise<Map<string, string[]>> {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const after = readme.slice(readme.indexOf("Least Deno permissions per command")).split("\n");
  const start = after.findIndex((l) => l.startsWith("|"));
  const end = after.findIndex((l, i) => i > start && !l.startsWith("|"));
  const rows = new Map<string, string[]>();
  for (const line of after.slice(start, end)) {
    const m = line.match(/^\| `(\w+)` +\| ([^|]+)\|/);
    if (!m) continue;
    const cell = m[2].trim();
    rows.set(m[1], cell === "none" ? [] : cell.replaceAll("`", "").split(/\s+/));
  }
  return rows;
}

const ONNX_MLP = new URL("../fixtures/onnx/mlp.onnx", import.meta.url).pathname;

Deno.test("permissions: every command runs with exactly the README's least permissions, and needs each", async (t) => {
  const table = await permissionTable();
  const { COMMANDS } = await import("../../src/cli/main.ts");
  assert.deepEqual([...table.keys()].sort(), ["help", ...Object.keys(COMMANDS)].sort());
  const dir = await Deno.makeTempDir();
  const f = (name: string) => join(dir, name);
  const { graph, params } = toGraph(mlp([784, 12, 10], { seed: 1 }), [1, 28, 28], "784-12-10");
  await saveModel(f("m.st"), fromGraph(graph, params));
  /** Arguments of each command; `tag` keeps the outputs of the failing runs apart. */
  const args = (cmd: string, tag: string): string[] =>
    ({
      help: ["help", "prune"],
      inspect: ["inspect", f("m.st")],
      eval: ["eval", f("m.st")],
      train: ["train", "--widths", "784,8,10", "--epochs", "1", "--validation", "50000"],
      prune: ["prune", f("m.st"), "--unit-fraction", "0.25", "--out", f(`p${tag}.st`)],
      finetune: [
        "finetune",
        f("p.st"),
        "--epochs",
        "1",
        "--validation",
        "50000",
        "--out",
        f(
          `f${tag}.st`,
        ),
      ],
      minimize: ["minimize", f("f.st"), "--out", f(`q${tag}.st`)],
      release: ["release", f("q.st"), "--out", f(`r${tag}.st`)],
      shrink: ["shrink", ONNX_MLP, "--out", f(`s${tag}.onnx`)],
      export: ["export", f("m.st"), "--out", f(`e${tag}.onnx`)],
      cycle: [
        "cycle",
        ...["--widths", "784,8,10", "--dense-epochs", "0", "--fine-tune-epochs", "0"],
        ...["--train-epochs", "0", "--max-cycles", "1", "--validation", "1000"],
        ...["--out", f(`c${tag}`)],
      ],
    })[cmd]!;
  /** `deno run` with exactly `perms`, in `dir` (train writes its default --out there). */
  const squeeze = (perms: string[], cliArgs: string[]) =>
    runDeno(["run", "--no-prompt", ...perms, MAIN, ...cliArgs], { cwd: dir });
  try {
    for (const [cmd, perms] of table) {
      await t.step(`${cmd}: ${perms.join(" ") || "no permission"}`, async () => {
        for (const missing of perms) {
          const fewer = await squeeze(perms.filter((p) => p !== missing), args(cmd, missing));
          assert.notEqual(fewer.code, 0, `${cmd} ran without ${missing}`);
          const kind = missing.replace("--allow-", "");
          assert.match(fewer.stderr, new RegExp(`Requires ${kind} access`), fewer.stderr);
        }
        const r = await squeeze(perms, args(cmd, ""));
        assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      });
    }
    await t.step(
      "train: --out defaults to runs/mlp-<widths>-s<seed>; a rerun refuses to overwrite it",
      async () => {
        const made = join(dir, "runs", "mlp-784-8-10-s0.safetensors");
        assert.ok((await Deno.stat(made)).isFile);
        const before = await Deno.readFile(made);
        const again = await squeeze(table.get("train")!, args("train", ""));
        assert.equal(again.code, 2);
        assert.match(
          again.stderr,
          /train: --out runs\/mlp-784-8-10-s0\.safetensors exists; pass --force to replace it/,
        );
        assert.doesNotMatch(again.stdout, /training/, "refused before any work");
        assert.deepEqual(await Deno.readFile(made), before);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
