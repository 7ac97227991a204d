import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import { decodeModel, encodeModel, loadModel } from "../../src/io/model_file.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { mlp } from "../../src/nn/models.ts";
import { tensor } from "../../src/tensor/create.ts";

/** A small model file with a mask on fc1.weight, its mask tensor edited by `edit`. */
function withMask(edit: (mask: { shape: number[]; data: Float32Array }) => void): Uint8Array {
  const { graph, params } = toGraph(mlp([6, 5, 3], { seed: 2 }), [6], "tiny");
  params.get("fc1.weight")!.mask = tensor(Array.from({ length: 30 }, (_, i) => i % 2), [5, 6]);
  const { tensors, metadata } = decodeSafetensors(encodeModel(fromGraph(graph, params)), "x");
  const mask = tensors.get("__mask__.fc1.weight") as { shape: number[]; data: Float32Array };
  edit(mask);
  return encodeSafetensors(tensors, metadata);
}

Deno.test("decodeModel(): a mask of the wrong shape, or holding anything but 0 and 1, is a SyntaxError naming file and tensor", () => {
  const cases: [(m: { shape: number[]; data: Float32Array }) => void, RegExp][] = [
    [(m) => {
      m.shape = [6, 5];
    }, /m\.st: tensor "__mask__\.fc1\.weight"\.shape: \[6,5\] but its parameter is \[5,6\]/],
    [(m) => {
      m.shape = [30];
    }, /m\.st: tensor "__mask__\.fc1\.weight"\.shape: \[30\] but its parameter is \[5,6\]/],
    [(m) => {
      m.data[7] = 0.5;
    }, /m\.st: tensor "__mask__\.fc1\.weight": entry 7 is 0\.5; a mask holds only 0 and 1/],
    [(m) => {
      m.data[3] = NaN;
    }, /m\.st: tensor "__mask__\.fc1\.weight": entry 3 is NaN; a mask holds only 0 and 1/],
    [(m) => {
      m.data[0] = -1;
    }, /entry 0 is -1/],
  ];
  for (const [edit, re] of cases) {
    assert.throws(
      () => decodeModel(withMask(edit), "m.st"),
      (e: Error) => e instanceof SyntaxError && re.test(e.message),
      re.source,
    );
  }
  assert.equal(decodeModel(withMask(() => {}), "m.st").parameterCount(), 53, "0/1 masks load");
});

Deno.test("loadModel(): only regular files, and no read beyond the declared sizes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => loadModel(dir),
      (e: Error) => e instanceof TypeError && e.message === `${dir}: not a model file (a folder)`,
    );
    await assert.rejects(
      () => loadModel("/dev/zero"),
      (e: Error) =>
        e instanceof TypeError &&
        e.message === "/dev/zero: not a model file (a character device)",
    );
    const huge = join(dir, "huge.st");
    const bytes = new Uint8Array(64);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 60n, true);
    await Deno.writeFile(huge, bytes);
    await assert.rejects(
      () => loadModel(huge),
      (e: Error) =>
        e instanceof SyntaxError &&
        e.message.startsWith(`${huge}: byte 0: header length 1152921504606846976 exceeds the 56`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
