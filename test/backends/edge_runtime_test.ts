/**
 * The Wasm backend at one thread needs no `SharedArrayBuffer`, no workers and no Deno API
 * (issue 13, item 5): a subprocess without them (edge_runtime_child.ts) loads it, runs a
 * forward pass, and gets the same numbers as the threaded backend here.
 */
import assert from "node:assert/strict";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { forwardPass } from "./edge_runtime_pass.ts";

Deno.test("wasm backend without SharedArrayBuffer, Worker and Deno: one thread, same numbers as with threads", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", new URL("./edge_runtime_child.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, err);
  const got = JSON.parse(new TextDecoder().decode(stdout)) as {
    threads: number;
    parallelCalls: number;
    touched: string[];
    out: number[][];
  };
  assert.equal(got.threads, 1, "asked for 4 threads without workers: runs on one");
  assert.equal(got.parallelCalls, 0);
  assert.deepEqual(got.touched, [], "the backend read a global it must not need");

  // Workers start on the first large kernel and take work once ready, which can take a
  // while on a loaded machine: repeat the pass until one ran on the pool.
  const threaded = createWasmBackend({ threads: 2 });
  let want: number[][];
  try {
    want = await forwardPass(threaded);
    for (const t0 = Date.now(); threaded.parallelCalls() === 0 && Date.now() - t0 < 60000;) {
      await new Promise((r) => setTimeout(r, 50));
      want = await forwardPass(threaded);
    }
    assert.ok(threaded.parallelCalls() > 0, "the reference run used the thread pool");
  } finally {
    threaded.dispose();
  }
  assert.equal(got.out.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got.out[i].length, want[i].length);
    // JSON carries float32 values exactly (as float64 decimals), so compare bit for bit.
    want[i].forEach((v, j) => assert.ok(Object.is(got.out[i][j], v), `output ${i}[${j}]`));
  }
});
