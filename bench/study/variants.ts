/**
 * Networks and variants of the studies (`deno task study`). A network's flags are those of
 * its demo task in deno.json (one source); a variant is a `+`-joined list of tokens, each
 * a change to the recipe:
 *
 * | token | flags |
 * |---|---|
 * | `base` | none (the demo with the defaults of the code that ran it; the summary's backtrack column says which stop rule that was) |
 * | `bt<N>` | `--backtrack N` (`bt0`: stop at the first rejected cycle) |
 * | `a<X>` | `--alpha X` (release noise; `a0`: no release) |
 * | `u<X>` | `--unit-fraction X` (structured share of each cycle) |
 * | `i<X>` | `--input-fraction X` |
 * | `p<X>` | `--p X` (weight budget per cycle) |
 * | `val<N>` | `--validation N` |
 * | `f<N>` | `--fine-tune-epochs N` |
 * | `t<N>` | `--train-epochs N` |
 * | `bf<X>` | `--backtrack-factor X` |
 * | `lam<X>` | `--lambda X` |
 * | `b<X>` | `--budget-pp X` (accuracy budget, points) |
 * | `mc<N>` | `--max-cycles N` |
 *
 * `onepass` is the baseline: one prune-and-shrink cycle from the `base` run's dense model,
 * swept over sparsities, the best within the budget counted.
 *
 * @module
 */

/** The networks a study runs: each one's demo task in deno.json. */
export const NETWORK_TASKS: Readonly<Record<string, string>> = {
  lenet: "demo",
  wide: "demo:wide",
  convnext: "demo:convnext",
  vit: "demo:vit",
};

/** Splits a command line on spaces (the tasks quote nothing). */
function words(s: string): string[] {
  return s.trim().split(/\s+/).filter((w) => w.length > 0);
}

/**
 * The `cycle` flags of a network: its demo task's, less `--out`.
 *
 * @example
 * ```ts
 * import { networkFlags } from "./variants.ts";
 * const tasks = { "demo:wide": "deno run src/cli/main.ts cycle --widths 784,10 --out runs/x" };
 * console.assert(networkFlags("wide", tasks).join(" ") === "--widths 784,10");
 * ```
 */
export function networkFlags(net: string, tasks: Record<string, string>): string[] {
  const task = NETWORK_TASKS[net];
  if (!task) {
    throw new RangeError(
      `study: unknown network "${net}" (expected ${Object.keys(NETWORK_TASKS).join(", ")})`,
    );
  }
  const line = tasks[task];
  const at = line?.indexOf(" cycle");
  if (line === undefined || at < 0) throw new RangeError(`study: task ${task} is not a cycle run`);
  const w = words(line.slice(at + " cycle".length));
  const out = w.indexOf("--out");
  if (out >= 0) w.splice(out, 2);
  return w;
}

const TOKENS: [RegExp, (v: string) => string[]][] = [
  [/^base$/, () => []],
  [/^bt(\d+)$/, (v) => ["--backtrack", v]],
  [/^a(\d*\.?\d+)$/, (v) => ["--alpha", v]],
  [/^u(\d*\.?\d+)$/, (v) => ["--unit-fraction", v]],
  [/^i(\d*\.?\d+)$/, (v) => ["--input-fraction", v]],
  [/^p(\d*\.?\d+)$/, (v) => ["--p", v]],
  [/^val(\d+)$/, (v) => ["--validation", v]],
  [/^f(\d+)$/, (v) => ["--fine-tune-epochs", v]],
  [/^t(\d+)$/, (v) => ["--train-epochs", v]],
  [/^bf(\d*\.?\d+)$/, (v) => ["--backtrack-factor", v]],
  [/^b(\d*\.?\d+)$/, (v) => ["--budget-pp", v]],
  [/^mc(\d+)$/, (v) => ["--max-cycles", v]],
  [/^lam(\d*\.?\d+(?:e-?\d+)?)$/, (v) => ["--lambda", v]],
];

/**
 * The flags of a variant name (see the module's table); a `RangeError` names an unknown
 * token.
 *
 * @example
 * ```ts
 * import { variantFlags } from "./variants.ts";
 * console.assert(variantFlags("bt2+a0").join(" ") === "--backtrack 2 --alpha 0");
 * ```
 */
export function variantFlags(variant: string): string[] {
  return variant.split("+").flatMap((token) => {
    for (const [re, flags] of TOKENS) {
      const m = re.exec(token);
      if (m) return flags(m[1]);
    }
    throw new RangeError(
      `study: variant token "${token}" of "${variant}" is not one of base, bt<N>, a<X>, u<X>, i<X>, p<X>, val<N>, f<N>, t<N>, bf<X>, lam<X>, b<X>, mc<N> (or onepass alone)`,
    );
  });
}
