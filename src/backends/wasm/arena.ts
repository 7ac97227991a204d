/**
 * Memory arena over a `WebAssembly.Memory`: 64-byte-aligned blocks, exact-size free
 * lists (a training step allocates the same sizes every step, so blocks are reused),
 * and growth in whole pages when the bump pointer runs out.
 *
 * @module
 */

const ALIGN = 64;
const PAGE = 65536;

/** Usage figures of an arena. */
export interface ArenaStats {
  /** Bytes in live blocks. */
  inUse: number;
  /** Largest `inUse` seen. */
  peak: number;
  /** Bytes handed out by the bump pointer so far (live + free blocks). */
  reserved: number;
  /** Size of the Wasm memory in bytes. */
  memoryBytes: number;
  /** Blocks currently allocated. */
  liveBlocks: number;
}

/** An allocator of Wasm linear memory above `base`. */
export class Arena {
  readonly #memory: WebAssembly.Memory;
  #top: number;
  readonly #free = new Map<number, number[]>();
  #inUse = 0;
  #peak = 0;
  #live = 0;

  /** An arena over `memory` starting at byte `base`. */
  constructor(memory: WebAssembly.Memory, base: number) {
    this.#memory = memory;
    this.#top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Block size used for a request of `bytes`. */
  static blockSize(bytes: number): number {
    return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  }

  /** Allocates `bytes` (zero-filled when `zero`); returns the byte offset. */
  alloc(bytes: number, zero = true): number {
    const size = Arena.blockSize(bytes);
    let ptr = this.#take(size);
    if (ptr === undefined) {
      try {
        ptr = this.#fromTop(size);
      } catch (e) {
        // The memory cannot grow: merge adjacent free blocks (sizes freed by earlier
        // phases: training batches, evaluation batches) and try again.
        this.#coalesce();
        ptr = this.#take(size, true) ?? (() => {
          try {
            return this.#fromTop(size);
          } catch {
            throw e;
          }
        })();
      }
    }
    if (zero) new Uint8Array(this.#memory.buffer, ptr, size).fill(0);
    this.#inUse += size;
    this.#live++;
    this.#peak = Math.max(this.#peak, this.#inUse);
    return ptr;
  }

  /** A free block of `size`, or a split larger one when the top has no room (or `split`). */
  #take(size: number, split = false): number | undefined {
    const ptr = this.#free.get(size)?.pop();
    if (ptr !== undefined) return ptr;
    // Split a larger free block only instead of growing the memory: steady training reuses
    // exact sizes, while shrinking models (the cycle) reuse the blocks of earlier sizes.
    if (split || this.#top + size > this.#memory.buffer.byteLength) return this.#splitLarger(size);
    return undefined;
  }

  /** A new block at the top, growing the memory if needed (throws when it cannot grow). */
  #fromTop(size: number): number {
    const ptr = this.#top;
    const need = ptr + size - this.#memory.buffer.byteLength;
    if (need > 0) {
      const pages = Math.ceil(need / PAGE);
      const grow = Math.max(pages, Math.ceil(this.#memory.buffer.byteLength / PAGE / 8));
      try {
        this.#memory.grow(grow);
      } catch {
        this.#memory.grow(pages);
      }
    }
    this.#top += size;
    return ptr;
  }

  /** Merges adjacent free blocks; a free run ending at the top lowers the top. */
  #coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [s, list] of this.#free) for (const p of list) blocks.push([p, s]);
    blocks.sort((a, b) => a[0] - b[0]);
    this.#free.clear();
    const merged: [number, number][] = [];
    for (const [p, s] of blocks) {
      const last = merged.at(-1);
      if (last && last[0] + last[1] === p) last[1] += s;
      else merged.push([p, s]);
    }
    const tail = merged.at(-1);
    if (tail && tail[0] + tail[1] === this.#top) {
      this.#top = tail[0];
      merged.pop();
    }
    for (const [p, s] of merged) {
      let list = this.#free.get(s);
      if (!list) this.#free.set(s, list = []);
      list.push(p);
    }
  }

  #splitLarger(size: number): number | undefined {
    let best = Infinity;
    for (const [s, list] of this.#free) if (s > size && s < best && list.length) best = s;
    if (best === Infinity) return undefined;
    const ptr = this.#free.get(best)!.pop()!;
    const rest = best - size;
    let list = this.#free.get(rest);
    if (!list) this.#free.set(rest, list = []);
    list.push(ptr + size);
    return ptr;
  }

  /** Returns a block obtained from `alloc(bytes)`. */
  free(ptr: number, bytes: number): void {
    const size = Arena.blockSize(bytes);
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, list = []);
    list.push(ptr);
    this.#inUse -= size;
    this.#live--;
  }

  /** Current figures. */
  stats(): ArenaStats {
    return {
      inUse: this.#inUse,
      peak: this.#peak,
      reserved: this.#top,
      memoryBytes: this.#memory.buffer.byteLength,
      liveBlocks: this.#live,
    };
  }
}
