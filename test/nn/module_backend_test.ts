import assert from "node:assert/strict";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { Activation } from "../../src/nn/activation.ts";
import { mlp } from "../../src/nn/models.ts";
import { Sequential } from "../../src/nn/sequential.ts";
import { referenceBackend } from "../../src/tensor/create.ts";
import { Linear } from "../../src/nn/linear.ts";

Deno.test("Module.backend: the backend of the parameters; a clear error without parameters or with two backends", async (t) => {
  await t.step("the backend the parameters were made on", () => {
    const other = createReferenceBackend();
    assert.equal(mlp([4, 3, 2]).backend, referenceBackend());
    assert.equal(mlp([4, 3, 2], { backend: other }).backend, other);
  });
  await t.step("a module without parameters has none", () => {
    assert.throws(
      () => new Sequential([["act", new Activation("relu")]]).backend,
      (e: Error) =>
        e instanceof TypeError && /Sequential: a module without parameters/.test(e.message),
    );
  });
  await t.step("parameters on two backends are named", () => {
    const net = new Sequential([
      ["a", new Linear(4, 3)],
      ["b", new Linear(3, 2, { backend: createReferenceBackend() })],
    ]);
    assert.throws(
      () => net.backend,
      (e: Error) =>
        e instanceof TypeError &&
        /Sequential: parameter "b\.weight" lives on another "js" backend than "a\.weight"/.test(
          e.message,
        ),
    );
  });
});
