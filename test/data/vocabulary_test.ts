import assert from "node:assert/strict";
import {
  buildVocabulary,
  countWords,
  encodeWords,
  PAD_ID,
  UNK_ID,
} from "../../src/data/vocabulary.ts";

const docs = [["b", "a", "c", "a"], ["c", "d", "a"], ["e", "b"], ["f"]];

Deno.test("buildVocabulary(): by count, ties in code-unit order, whatever the order of counting", () => {
  const fwd = new Map<string, number>(), rev = new Map<string, number>();
  for (const d of docs) countWords(fwd, d);
  for (const d of [...docs].reverse()) countWords(rev, [...d].reverse());
  assert.deepEqual([...fwd.entries()].sort(), [["a", 3], ["b", 2], ["c", 2], ["d", 1], [
    "e",
    1,
  ], ["f", 1]]);
  const v = buildVocabulary(fwd, { size: 10, minCount: 1 });
  assert.deepEqual(v.words, ["<pad>", "<unk>", "a", "b", "c", "d", "e", "f"]);
  assert.deepEqual(buildVocabulary(rev, { size: 10, minCount: 1 }), v);
  assert.equal(v.ids.get("a"), 2);
  assert.equal(v.ids.get("<pad>"), undefined, "specials are not words");
  v.words.forEach((w, i) => i >= 2 && assert.equal(v.ids.get(w), i));
});

Deno.test("buildVocabulary(): size and minCount bound it; bad options are RangeErrors", () => {
  const counts = new Map([["x", 5], ["y", 2], ["z", 1]]);
  assert.deepEqual(buildVocabulary(counts).words, ["<pad>", "<unk>", "x", "y"], "minCount 2");
  assert.deepEqual(buildVocabulary(counts, { size: 3, minCount: 1 }).words, [
    "<pad>",
    "<unk>",
    "x",
  ]);
  assert.deepEqual(buildVocabulary(counts, { size: 2 }).words, ["<pad>", "<unk>"]);
  assert.throws(() => buildVocabulary(counts, { size: 1 }), /size must be an integer ≥ 2, got 1/);
  assert.throws(() => buildVocabulary(counts, { minCount: 0 }), /minCount .* got 0/);
});

Deno.test("encodeWords(): unknown, padding, truncation of the end or the middle", async (t) => {
  const v = buildVocabulary(new Map([["a", 4], ["b", 3], ["c", 2]]));
  const [a, b, c] = ["a", "b", "c"].map((w) => v.ids.get(w)!);
  await t.step("short: padded at the end with 0; unknown words are 1", () => {
    assert.equal(PAD_ID, 0);
    assert.equal(UNK_ID, 1);
    assert.deepEqual([...encodeWords(["c", "zz", "a"], v, 5)], [c, 1, a, 0, 0]);
    assert.deepEqual([...encodeWords([], v, 3)], [0, 0, 0]);
  });
  await t.step("exact length: no padding, nothing lost", () => {
    assert.deepEqual([...encodeWords(["a", "b", "c"], v, 3, "middle")], [a, b, c]);
  });
  await t.step("long: the end or the middle goes", () => {
    const words = ["a", "b", "c", "x", "b", "a", "c"];
    assert.deepEqual([...encodeWords(words, v, 4)], [a, b, c, 1]);
    assert.deepEqual([...encodeWords(words, v, 4, "middle")], [a, b, a, c]);
    assert.deepEqual([...encodeWords(words, v, 5, "middle")], [a, b, c, a, c], "⌈5/2⌉ + ⌊5/2⌋");
    assert.deepEqual([...encodeWords(words, v, 1, "middle")], [a]);
  });
  await t.step("into a larger buffer at an offset, overwriting stale values", () => {
    const out = new Float32Array(8).fill(9);
    encodeWords(["b"], v, 3, "end", out, 4);
    assert.deepEqual([...out], [9, 9, 9, 9, b, 0, 0, 9]);
  });
  await t.step("bad arguments are RangeErrors naming them", () => {
    assert.throws(() => encodeWords(["a"], v, 0), /length must be an integer ≥ 1, got 0/);
    assert.throws(() => encodeWords(["a"], v, 2, "start" as "end"), /truncation .* got start/);
    assert.throws(
      () => encodeWords(["a"], v, 3, "end", new Float32Array(4), 2),
      /offset 2 \+ length 3 does not fit an output of 4/,
    );
  });
});
