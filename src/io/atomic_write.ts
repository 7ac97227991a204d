import { basename, dirname, join } from "node:path";
import { trackTempFile, untrackTempFile } from "./temp_files.ts";

/** An error like `e` (same class) whose message names `path` instead of the temporary file. */
function naming(e: unknown, tmp: string, path: string): unknown {
  if (!(e instanceof Error)) return e;
  const message = e.message.includes(tmp)
    ? e.message.replaceAll(tmp, path)
    : `${path}: ${e.message}`;
  try {
    const Ctor = e.constructor as new (message: string, options?: ErrorOptions) => Error;
    const out = new Ctor(message, { cause: e });
    out.name = e.name;
    return out;
  } catch {
    return new Error(message, { cause: e });
  }
}

/**
 * A file written under a temporary name next to its target and renamed over it once
 * complete. Until then SIGINT/SIGTERM remove the temporary file (see `temp_files.ts`), and
 * errors name the target path, not the temporary one.
 *
 * @example
 * ```ts ignore
 * import { AtomicFile } from "./atomic_write.ts";
 * const f = await AtomicFile.open("out.bin");
 * await f.write(new Uint8Array([1, 2]));
 * await f.write(new Uint8Array([3]));
 * await f.commit(); // out.bin now holds 1, 2, 3; before this line it was untouched
 * ```
 */
export class AtomicFile {
  /** The target path. */
  readonly path: string;
  /** The temporary path in the same folder. */
  readonly tmp: string;
  #file: Deno.FsFile;

  private constructor(path: string, tmp: string, file: Deno.FsFile) {
    this.path = path;
    this.tmp = tmp;
    this.#file = file;
  }

  /** Creates the temporary file for `path`. */
  static async open(path: string): Promise<AtomicFile> {
    const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.tmp`);
    trackTempFile(tmp);
    try {
      return new AtomicFile(path, tmp, await Deno.open(tmp, { write: true, createNew: true }));
    } catch (e) {
      untrackTempFile(tmp);
      throw naming(e, tmp, path);
    }
  }

  /** Appends `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    try {
      let off = 0;
      while (off < bytes.length) off += await this.#file.write(bytes.subarray(off));
    } catch (e) {
      await this.abort();
      throw naming(e, this.tmp, this.path);
    }
  }

  /** Flushes, closes and renames the file into place. */
  async commit(): Promise<void> {
    try {
      await this.#file.sync();
      this.#file.close();
      await Deno.rename(this.tmp, this.path);
      untrackTempFile(this.tmp);
    } catch (e) {
      await this.abort();
      throw naming(e, this.tmp, this.path);
    }
  }

  /** Closes and removes the temporary file; the target is untouched. */
  async abort(): Promise<void> {
    try {
      this.#file.close();
    } catch {
      // already closed
    }
    await Deno.remove(this.tmp).catch(() => {});
    untrackTempFile(this.tmp);
  }
}

/**
 * Writes `bytes` to `path` without ever leaving a partial file there: the data goes to
 * a temporary file in the same folder, is flushed, then renamed over `path` (atomic on
 * POSIX file systems). On failure, SIGINT or SIGTERM the temporary file is removed, and
 * errors name `path`.
 *
 * @example
 * ```ts ignore
 * import { writeFileAtomic } from "./atomic_write.ts";
 * await writeFileAtomic("model.safetensors", new Uint8Array([1, 2, 3]));
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const f = await AtomicFile.open(path);
  await f.write(bytes);
  await f.commit();
}
