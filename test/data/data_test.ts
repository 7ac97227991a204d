import assert from "node:assert/strict";
import { join } from "node:path";
import { parseIdx } from "../../src/data/idx.ts";
import { loadMnist, mnistDir } from "../../src/data/mnist.ts";
import { batchCount, batches, type Dataset, splitValidation } from "../../src/data/dataset.ts";
import { Rng } from "../../src/tensor/random.ts";

function idx(dims: number[], data: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const v = new DataView(out.buffer);
  out[2] = 8;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

Deno.test("parseIdx() decodes dims and bytes", () => {
  const r = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), "f");
  assert.deepEqual(r.dims, [2, 3]);
  assert.deepEqual([...r.data], [1, 2, 3, 4, 5, 6]);
});

Deno.test("parseIdx() names the file, offset and problem for corrupt files", () => {
  const good = idx([2, 3], [1, 2, 3, 4, 5, 6]);
  const cases: [Uint8Array, RegExp][] = [
    [good.slice(0, 2), /f: not a valid IDX file at byte 0: file has only 2 bytes/],
    [Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0), /magic number must start with two zero bytes/],
    [Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0), /element type 0xd unsupported/],
    [good.slice(0, 9), /truncated header/],
    [good.slice(0, good.length - 1), /truncated data: dims \[2,3\] need 6 bytes/],
    [Uint8Array.of(...good, 7), /1 unexpected trailing bytes/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(
      () => parseIdx(bytes, "f"),
      (e: Error) => e instanceof SyntaxError && re.test(e.message),
    );
  }
  for (let n = 0; n < good.length; n++) {
    assert.throws(() => parseIdx(good.slice(0, n), "f"), SyntaxError);
  }
});

Deno.test("loadMnist() reads the real 60k/10k MNIST files from the npm package", async () => {
  const test = await loadMnist("test");
  assert.equal(test.labels.length, 10000);
  assert.deepEqual(test.sampleShape, [1, 28, 28]);
  assert.equal(test.inputs.length, 10000 * 784);
  const counts = new Array(10).fill(0);
  for (const l of test.labels) counts[l]++;
  assert.ok(counts.every((c) => c > 800 && c < 1200), `class counts ${counts}`);
  let s = 0;
  for (const v of test.inputs) s += v;
  assert.ok(Math.abs(s / test.inputs.length) < 0.05, "normalized pixels have mean ≈ 0");
  const raw = await loadMnist("train", { normalize: false });
  assert.equal(raw.labels.length, 60000);
  assert.ok(
    Math.max(...raw.inputs.subarray(0, 784)) === 1 &&
      Math.min(...raw.inputs.subarray(0, 784)) === 0,
  );
});

Deno.test("loadMnist() names the missing or corrupt file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => loadMnist("test", { dir }),
      /MNIST: file not found: .*t10k-images-idx3-ubyte/,
    );
    const src = await mnistDir();
    await Deno.copyFile(join(src, "t10k-labels-idx1-ubyte"), join(dir, "t10k-labels-idx1-ubyte"));
    const img = await Deno.readFile(join(src, "t10k-images-idx3-ubyte"));
    await Deno.writeFile(join(dir, "t10k-images-idx3-ubyte"), img.slice(0, 5000));
    await assert.rejects(
      () => loadMnist("test", { dir }),
      (e: Error) =>
        e instanceof SyntaxError &&
        /t10k-images-idx3-ubyte: not a valid IDX file at byte 5000: truncated data/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const toy = (n: number): Dataset => ({
  name: "toy",
  sampleShape: [2],
  inputs: Float32Array.from({ length: 2 * n }, (_, i) => Math.floor(i / 2)),
  labels: Int32Array.from({ length: n }, (_, i) => i),
  classes: n,
});

Deno.test("splitValidation() is a seeded disjoint split keeping sample/label pairs", () => {
  const { train, validation } = splitValidation(toy(100), 20, new Rng(3));
  assert.equal(train.labels.length, 80);
  assert.equal(validation.labels.length, 20);
  const all = [...train.labels, ...validation.labels].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  for (let i = 0; i < 20; i++) assert.equal(validation.inputs[2 * i], validation.labels[i]);
  assert.deepEqual(splitValidation(toy(100), 20, new Rng(3)).validation.labels, validation.labels);
  assert.throws(() => splitValidation(toy(10), 10, new Rng(0)), RangeError);
});

Deno.test("batches() visits every sample once per epoch, shuffled by seed, with a last partial batch", () => {
  const ds = toy(10);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (const b of batches(ds, { batchSize: 4, shuffle: new Rng(1) })) {
    sizes.push(b.y.length);
    const x = b.x.toArray();
    b.y.forEach((l, i) => {
      seen.push(l);
      assert.equal(x[2 * i], l);
    });
  }
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.equal(batchCount(ds, { batchSize: 4 }), 3);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
  assert.notDeepEqual(seen, Array.from({ length: 10 }, (_, i) => i));
  assert.equal([...batches(ds, { batchSize: 4, dropLast: true })].length, 2);
  assert.throws(() => [...batches(ds, { batchSize: 0 })], RangeError);
});
