/**
 * GPU buffers reused by size: freed buffers go to a free list and the next request of the
 * same (256-byte rounded) size takes one, so a training step allocates nothing after the
 * first. A released buffer waits until the commands recorded so far are submitted
 * ({@linkcode BufferPool.settle}): commands not yet submitted may still read it, and a
 * queue write into a reused buffer would run before them. Counts what is live for leak
 * checks.
 *
 * @module
 */

/** Usage of every pooled storage buffer. */
const USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08 /* COPY_DST */;

/** Counts of a {@linkcode BufferPool}. */
export interface PoolStats {
  /** Buffers handed out and not returned. */
  live: number;
  /** Bytes of those. */
  liveBytes: number;
  /** Buffers waiting in free lists. */
  pooled: number;
  /** Buffers ever created. */
  created: number;
}

/** A size-keyed pool of storage buffers on one device. */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<number, GPUBuffer[]>();
  #waiting: GPUBuffer[] = [];
  #live = 0;
  #liveBytes = 0;
  #pooled = 0;
  #created = 0;

  /** A pool on `device`. */
  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** Rounded size of a request (multiples of 256 bytes, at least 256). */
  static bucket(bytes: number): number {
    return Math.max(256, Math.ceil(bytes / 256) * 256);
  }

  /** A buffer of at least `bytes` bytes (contents unspecified). */
  acquire(bytes: number): GPUBuffer {
    const size = BufferPool.bucket(bytes);
    const list = this.#free.get(size);
    let buf = list?.pop();
    if (buf) this.#pooled--;
    else {
      buf = this.#device.createBuffer({ size, usage: USAGE });
      this.#created++;
    }
    this.#live++;
    this.#liveBytes += size;
    return buf;
  }

  /** Returns a buffer to its free list once the recorded commands are submitted. */
  release(buf: GPUBuffer): void {
    this.#waiting.push(buf);
    this.#live--;
    this.#liveBytes -= buf.size;
    this.#pooled++;
  }

  /** The commands recorded so far were submitted: released buffers become reusable. */
  settle(): void {
    for (const buf of this.#waiting) {
      const list = this.#free.get(buf.size) ?? [];
      list.push(buf);
      this.#free.set(buf.size, list);
    }
    this.#waiting = [];
  }

  /** Current counts. */
  stats(): PoolStats {
    return {
      live: this.#live,
      liveBytes: this.#liveBytes,
      pooled: this.#pooled,
      created: this.#created,
    };
  }

  /** Destroys the pooled buffers. */
  destroy(): void {
    this.settle();
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#pooled = 0;
  }
}
