import assert from "node:assert/strict";
import { Rng } from "../../src/tensor/random.ts";

Deno.test("Rng: the same seed gives the same stream; different seeds differ", () => {
  const a = new Rng(123), b = new Rng(123), c = new Rng(124);
  const sa = Array.from({ length: 100 }, () => a.nextUint32());
  const sb = Array.from({ length: 100 }, () => b.nextUint32());
  const sc = Array.from({ length: 100 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

Deno.test("Rng: pinned first outputs (regression guard: the stream must never change across versions)", () => {
  // Values recorded from this implementation when the generator was introduced; a change
  // here silently changes every seeded experiment, so it must be deliberate.
  const r = new Rng(42);
  const got = [r.nextUint32(), r.nextUint32(), r.nextUint32()];
  assert.deepEqual(got, PINNED_42);
});

const PINNED_42 = [2837322924, 544945897, 479756282];

Deno.test("Rng.uniform() lies in [0,1) with mean ≈ 1/2; normal() has mean ≈ 0, variance ≈ 1", () => {
  const r = new Rng(9);
  let su = 0, sn = 0, sn2 = 0;
  const n = 200000;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005, `uniform mean ${su / n}`);
  assert.ok(Math.abs(sn / n) < 0.01, `normal mean ${sn / n}`);
  assert.ok(Math.abs(sn2 / n - 1) < 0.02, `normal variance ${sn2 / n}`);
});

Deno.test("Rng.permutation() is a permutation; shuffle is seeded", () => {
  const p = new Rng(1).permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(new Rng(5).permutation(50), new Rng(5).permutation(50));
  assert.notDeepEqual([...p], Array.from({ length: 1000 }, (_, i) => i));
});

Deno.test("Rng: bad seeds and bad ranges throw RangeError", () => {
  assert.throws(() => new Rng(NaN), RangeError);
  assert.throws(() => new Rng(1).int(0), RangeError);
});
