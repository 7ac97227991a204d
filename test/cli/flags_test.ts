import assert from "node:assert/strict";
import { parse, strictNumber } from "../../src/cli/args.ts";
import { runCli } from "./run_cli.ts";

Deno.test("strictNumber(): plain decimal notation only", () => {
  for (const [text, v] of [["3", 3], ["-0.5", -0.5], [".5", 0.5], ["1e-3", 1e-3], ["+2", 2]]) {
    assert.equal(strictNumber(text as string), v, String(text));
  }
  for (const text of ["0x1", "1e", "abc", "", " ", "Infinity", "NaN", "1,5", "0b1", "1_000"]) {
    assert.equal(strictNumber(text), null, JSON.stringify(text));
  }
});

Deno.test("parse(): a negative number after a value flag is its value, not an ambiguous flag", () => {
  const spec = { exclude: { type: "string" as const }, force: { type: "boolean" as const } };
  assert.equal(parse("x", ["--exclude", "-1"], spec).values.exclude, "-1");
  assert.equal(parse("x", ["--exclude", "-.5"], spec).values.exclude, "-.5");
  assert.throws(() => parse("x", ["--force", "-1"], spec), /x: Unknown option '-1'/);
});

Deno.test("flags: bad numbers are refused with the flag's name and valid range, before any work", async () => {
  const prune = (s: string) => runCli(["prune", "/nonexistent.st", "--sparsity", s, "--out", "x"]);
  for (const bad of ["0x1", "1e", "abc", "", "-0.5", "2"]) {
    const r = await prune(bad);
    assert.equal(r.code, 2, bad);
    assert.match(
      r.err,
      new RegExp(
        `prune: --sparsity must be a number in \\[0, 1\\], got "${bad.replace(".", "\\.")}"`,
      ),
    );
    assert.doesNotMatch(r.err, /ambiguous/);
  }
  const cycle = async (flags: string[]) => (await runCli(["cycle", ...flags])).err;
  assert.match(await cycle(["--p", "0"]), /cycle: --p must be a number in \(0, 1\), got "0"/);
  assert.match(await cycle(["--p", "abc"]), /cycle: --p must be a number in \(0, 1\), got "abc"/);
  assert.match(
    await cycle(["--max-cycles", "1.5"]),
    /--max-cycles must be an integer in \[1, 1000\], got "1\.5"/,
  );
  assert.match(await cycle(["--lr", "-1"]), /--lr must be a number in \(0, 10\], got "-1"/);
  assert.match(
    await cycle(["--widths", "784,,10"]),
    /--widths must be integers in \[1, 65536\] from 784 to 10/,
  );
  const dir = await Deno.makeTempDir();
  try {
    assert.match(
      await cycle(["--widths", "784,16,10", "--exclude", "7", "--out", dir]),
      /cycle: --exclude must be a comma-separated list, each an integer in \[-2, 1\]; got "7"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("flags: transformer archs — text needs imdb, image archs refuse imdb, vit takes one width", async () => {
  const cycle = async (flags: string[]) => {
    const r = await runCli(["cycle", ...flags]);
    assert.equal(r.code, 2, flags.join(" "));
    return r.err;
  };
  assert.match(await cycle(["--arch", "text"]), /--arch text reads token ids: use --dataset imdb/);
  assert.match(
    await cycle(["--arch", "vit", "--dataset", "imdb"]),
    /--dataset imdb holds token ids of text, not 28×28 images, so --arch vit does not apply/,
  );
  assert.match(
    await cycle(["--arch", "vit", "--dims", "32,64"]),
    /--arch vit takes one --dims \(the width\) and one --depths \(the block count\)/,
  );
  assert.match(await cycle(["--arch", "vit", "--heads", "0"]), /--heads must be an integer/);
  assert.match(await cycle(["--arch", "vit", "--heads", "3"]), /--heads 3 must divide the width/);
  assert.match(await cycle(["--arch", "vit", "--patch", "5"]), /--patch 5 must divide the image/);
});
