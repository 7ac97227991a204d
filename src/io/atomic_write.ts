import { dirname, join } from "node:path";

/**
 * Writes `bytes` to `path` without ever leaving a partial file there: the data goes to
 * a temporary file in the same folder, is flushed, then renamed over `path` (atomic on
 * POSIX file systems). On failure the temporary file is removed.
 *
 * @example
 * ```ts ignore
 * import { writeFileAtomic } from "./atomic_write.ts";
 * await writeFileAtomic("model.safetensors", new Uint8Array([1, 2, 3]));
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  try {
    const f = await Deno.open(tmp, { write: true, createNew: true });
    try {
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
