import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../../src/io/atomic_write.ts";

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "hold_save.ts");

Deno.test("writeFileAtomic(): errors keep their class and name the target, not the temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "plain");
    await Deno.writeTextFile(file, "x");
    const target = join(file, "model.st");
    await assert.rejects(
      () => writeFileAtomic(target, new Uint8Array(4)),
      (e: Error) =>
        e instanceof Deno.errors.NotADirectory && e.message.includes(target) &&
        !e.message.includes(".tmp"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an atomic write interrupted by SIGINT or SIGTERM removes its temporary file and keeps the old one", async (t) => {
  for (const [signal, status] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    await t.step(signal, async () => {
      const dir = await Deno.makeTempDir();
      try {
        const target = join(dir, "model.st");
        await Deno.writeTextFile(target, "old");
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-read", "--allow-write", FIXTURE, target],
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let out = "";
        while (!out.includes("\n")) {
          const { value, done } = await reader.read();
          if (done) break;
          out += value;
        }
        assert.match(out, /^ready .*\.tmp/, "the child began its write");
        const tmp = out.trim().split(" ")[1];
        assert.ok((await Deno.stat(tmp)).isFile, "its temporary file exists");
        child.kill(signal);
        const st = await child.status;
        reader.releaseLock();
        await child.stdout.cancel().catch(() => {});
        assert.equal(st.code, status);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["model.st"]);
        assert.equal(await Deno.readTextFile(target), "old");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});
