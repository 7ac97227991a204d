/**
 * A word tokenizer for English review text (the IMDB reviews), in three steps:
 *
 * 1. HTML tags the reviews contain (`<br />`, `<i>`, `</i>`, `<p>`, `<hr>`: a `<`, an
 *    optional `/`, letters and digits, optional spaces and `/`, then `>`) become spaces;
 *    other `<` text (`<grin>` is a tag too, `< 30 minutes` is not) stays and is split below.
 * 2. Apostrophe look-alikes (`’ ‘ ´ \` and the Windows-1252 bytes 0x91, 0x92 the reviews
 *    hold) become `'`; Unicode NFKD, lower case, then combining marks removed, which folds
 *    accents (`é` → `e`).
 * 3. Words are runs of Unicode letters and digits, joined by single inner apostrophes:
 *    `don't`, `o'brien`, `80's` are one word; leading and trailing apostrophes drop
 *    (`'quoted'` → `quoted`), and so does everything else (punctuation, symbols, spaces).
 *
 * Deterministic and locale-independent (no `toLocaleLowerCase`).
 *
 * @example
 * ```ts
 * import { tokenize } from "./tokenizer.ts";
 * console.assert(
 *   tokenize("Don't watch it!<br /><br />Café 7/10").join(" ") === "don't watch it cafe 7 10",
 * );
 * ```
 */
export function tokenize(text: string): string[] {
  if (typeof text !== "string") {
    throw new TypeError(`tokenize: text must be a string, got ${typeof text}`);
  }
  return normalizeText(text).match(WORD) ?? [];
}

/** HTML tags: `<br />`, `<i>`, `</i>`, `<hr>`, … (no attributes). */
const TAG = /<\/?[a-z][a-z0-9]*\s*\/?>/gi;
/** Apostrophe look-alikes: ’ ‘ ´ ` and the Windows-1252 quote bytes 0x91, 0x92. */
const APOSTROPHES = /[\u2019\u2018\u00b4\u0060\u0091\u0092]/g;
/** Combining marks left by NFKD. */
const MARKS = /\p{M}+/gu;
/** A word: letters/digits, with single inner apostrophes. */
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

/**
 * Step 1 and 2 of {@linkcode tokenize}: tags to spaces, apostrophes unified, accents folded,
 * lower case.
 *
 * @example
 * ```ts
 * import { normalizeText } from "./tokenizer.ts";
 * console.assert(normalizeText("It’s<br />NAÏVE") === "it's naive");
 * ```
 */
export function normalizeText(text: string): string {
  return text.replace(TAG, " ").replace(APOSTROPHES, "'").normalize("NFKD").toLowerCase()
    .replace(MARKS, "");
}
