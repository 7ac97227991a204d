/** Token id of padding: rows shorter than the sequence length are filled with it. */
export const PAD_ID = 0;
/** Token id of every word outside the vocabulary. */
export const UNK_ID = 1;

/** A word vocabulary: id → word and word → id, with {@linkcode PAD_ID} and {@linkcode UNK_ID}. */
export interface Vocabulary {
  /** Word of each id; `words[0]` is `"<pad>"`, `words[1]` `"<unk>"`. */
  readonly words: readonly string[];
  /** Id of each word (the two specials not included: they never come out of a tokenizer). */
  readonly ids: ReadonlyMap<string, number>;
}

/** Options of {@linkcode buildVocabulary}. */
export interface VocabularyOptions {
  /** Ids in all, the two specials included. @default 8000 */
  size?: number;
  /** Fewest occurrences a word needs. @default 2 */
  minCount?: number;
}

/** Adds the words of one document to `counts` (occurrences per word). */
export function countWords(counts: Map<string, number>, words: readonly string[]): void {
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
}

/**
 * The `size − 2` most frequent words of `counts` with at least `minCount` occurrences, as ids
 * 2, 3, … in order of count (highest first), equal counts in code-unit order of the word:
 * deterministic, whatever order the counts were gathered in.
 *
 * @example
 * ```ts
 * import { buildVocabulary } from "./vocabulary.ts";
 * const v = buildVocabulary(new Map([["b", 2], ["a", 2], ["c", 5], ["d", 1]]), { size: 5 });
 * console.assert(v.words.join(" ") === "<pad> <unk> c a b" && v.ids.get("a") === 3);
 * ```
 */
export function buildVocabulary(
  counts: ReadonlyMap<string, number>,
  opts: VocabularyOptions = {},
): Vocabulary {
  const size = opts.size ?? 8000, minCount = opts.minCount ?? 2;
  if (!Number.isInteger(size) || size < 2) {
    throw new RangeError(`buildVocabulary: size must be an integer ≥ 2, got ${size}`);
  }
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`buildVocabulary: minCount must be an integer ≥ 1, got ${minCount}`);
  }
  const kept = [...counts].filter(([, c]) => c >= minCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const words = ["<pad>", "<unk>", ...kept.slice(0, size - 2).map(([w]) => w)];
  return { words, ids: new Map(words.slice(2).map((w, i) => [w, i + 2])) };
}

/** How {@linkcode encodeWords} shortens a document longer than the sequence length. */
export type Truncation = "end" | "middle";

/**
 * Token ids of `words` in `out[offset .. offset + length)`, as float32 (exact integers):
 * unknown words become {@linkcode UNK_ID}; a shorter document is padded at its end with
 * {@linkcode PAD_ID}; a longer one loses its end (`"end"`: the first `length` words stay)
 * or its middle (`"middle"`: the first ⌈length/2⌉ and the last ⌊length/2⌋ stay).
 *
 * @example
 * ```ts
 * import { buildVocabulary, encodeWords } from "./vocabulary.ts";
 * const v = buildVocabulary(new Map([["good", 3], ["film", 2]]));
 * const ids = encodeWords(["good", "odd", "film"], v, 5);
 * console.assert(ids.join(",") === "2,1,3,0,0");
 * ```
 */
export function encodeWords(
  words: readonly string[],
  vocab: Vocabulary,
  length: number,
  truncation: Truncation = "end",
  out: Float32Array = new Float32Array(length),
  offset = 0,
): Float32Array {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`encodeWords: length must be an integer ≥ 1, got ${length}`);
  }
  if (truncation !== "end" && truncation !== "middle") {
    throw new RangeError(`encodeWords: truncation must be "end" or "middle", got ${truncation}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + length > out.length) {
    throw new RangeError(
      `encodeWords: offset ${offset} + length ${length} does not fit an output of ${out.length}`,
    );
  }
  const n = words.length;
  const head = n <= length ? n : truncation === "end" ? length : Math.ceil(length / 2);
  const tail = n <= length ? 0 : length - head;
  const id = (w: string) => vocab.ids.get(w) ?? UNK_ID;
  for (let i = 0; i < head; i++) out[offset + i] = id(words[i]);
  for (let i = 0; i < tail; i++) out[offset + head + i] = id(words[n - tail + i]);
  out.fill(PAD_ID, offset + head + tail, offset + length);
  return out;
}
