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
    let ptr = this.#free.get(size)?.pop();
    // Split a larger free block only instead of growing the memory: steady training reuses
    // exact sizes, while shrinking models (the cycle) reuse the blocks of earlier sizes.
    if (ptr === undefined && this.#top + size > this.#memory.buffer.byteLength) {
      ptr = this.#splitLarger(size);
    }
    if (ptr === undefined) {
      ptr = this.#top;
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
    }
    if (zero) new Uint8Array(this.#memory.buffer, ptr, size).fill(0);
    this.#inUse += size;
    this.#live++;
    this.#peak = Math.max(this.#peak, this.#inUse);
    return ptr;
  }

  /** Takes the smallest free block larger than `size`, returning its tail to the free lists. */
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
