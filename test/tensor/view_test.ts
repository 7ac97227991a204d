import assert from "node:assert/strict";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { tensor } from "../../src/tensor/create.ts";
import { tidy } from "../../src/tensor/scope.ts";
import { reshape } from "../../src/ops/shape_ops.ts";
import { mul } from "../../src/ops/elementwise.ts";
import { sum } from "../../src/ops/reduce.ts";
import { backward } from "../../src/autograd/backward.ts";

Deno.test("reshape is a view: no copy, storage freed when the last sharer is disposed", () => {
  const be = createWasmBackend({ threads: 1 });
  const base = be.memoryStats().inUse;
  const x = tensor([1, 2, 3, 4, 5, 6], [6], { backend: be });
  const used = be.memoryStats().inUse;
  const v = reshape(x, [2, 3]), w = v.view([3, 2]);
  assert.equal(be.memoryStats().inUse, used, "views allocate nothing");
  assert.equal(v.storage, x.storage);
  x.dispose();
  v.dispose();
  assert.equal(be.memoryStats().inUse, used, "one sharer left: storage kept");
  assert.deepEqual([...w.toArray()], [1, 2, 3, 4, 5, 6]);
  w.dispose();
  assert.equal(be.memoryStats().inUse, base, "last sharer gone: storage freed");
  assert.throws(() => w.view([6]), /was disposed/);
  be.dispose();
});

Deno.test("reshape views in a tidy step: gradients through them, nothing left behind", () => {
  const be = createWasmBackend({ threads: 1 });
  const x = tensor([1, 2, 3, 4], [4], { backend: be, requiresGrad: true });
  const before = be.memoryStats().inUse;
  const grad = tidy(() => {
    const y = reshape(mul(reshape(x, [2, 2]), reshape(x, [2, 2])), [4]);
    backward(sum(y), { freeActivations: true });
    return [...x.grad!.toArray()];
  });
  assert.deepEqual(grad, [2, 4, 6, 8]);
  // The step's tensors (the gradient too, made inside the tidy) are all freed.
  assert.equal(be.memoryStats().inUse, before);
  be.dispose();
});
