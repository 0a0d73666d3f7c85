// The guest's physical RAM: 4 KiB frames handed out from one host reservation (which Unicorn maps
// as RAM), read and written from TypeScript in place, and given back to the host when freed.
import { HostMemory, VIEW_BYTES } from './host-memory';

export const FRAME_SIZE = 4096;
const FRAMES_PER_VIEW = VIEW_BYTES / FRAME_SIZE;
/** Freed frames are returned to the host in batches of this many (one madvise per run). */
const DISCARD_BATCH = 256;

export class PhysicalMemory {
  readonly host: HostMemory;
  private next = 0;
  /** Frames given back by the guest, zero again only once discarded. */
  private readonly free: number[] = [];
  /** Frames freed since the last discard: they still hold guest bytes. */
  private readonly dirty: number[] = [];
  private readonly words: (Uint32Array | undefined)[] = [];
  private used = 0;

  constructor(readonly base: number, readonly size: number) {
    this.host = new HostMemory(size);
  }

  get framesInUse(): number { return this.used; }

  /** A zeroed frame, or undefined when the RAM is exhausted. */
  allocate(): number | undefined {
    let frame = this.free.pop();
    if (frame === undefined) {
      if (this.dirty.length) { this.discardDirty(); frame = this.free.pop(); }
      if (frame === undefined) {
        if ((this.next + 1) * FRAME_SIZE > this.size) return undefined;
        frame = this.next++;
      }
    }
    this.used++;
    return frame;
  }

  release(frame: number): void {
    this.used--;
    this.dirty.push(frame);
    if (this.dirty.length >= DISCARD_BATCH) this.discardDirty();
  }

  private discardDirty(): void {
    this.dirty.sort((a, b) => a - b);
    let runStart = 0;
    for (let i = 1; i <= this.dirty.length; i++) {
      if (i < this.dirty.length && this.dirty[i] === this.dirty[i - 1] + 1) continue;
      const first = this.dirty[runStart];
      this.host.discard(first * FRAME_SIZE, (this.dirty[i - 1] - first + 1) * FRAME_SIZE);
      runStart = i;
    }
    this.free.push(...this.dirty);
    this.dirty.length = 0;
  }

  /** The frame's physical address as the CPU sees it. */
  address(frame: number): number { return this.base + frame * FRAME_SIZE; }
  frameAt(address: number): number { return (address - this.base) / FRAME_SIZE; }

  /** The bytes of the 1 GiB view holding frame, and the frame's offset in it. */
  bytes(frame: number): { view: Uint8Array; offset: number } {
    return { view: this.host.view(Math.floor(frame / FRAMES_PER_VIEW)), offset: (frame % FRAMES_PER_VIEW) * FRAME_SIZE };
  }
  /** The frame as 32-bit words (page-table entries are two of them, low word first). */
  wordsOf(frame: number): { words: Uint32Array; index: number } {
    const v = Math.floor(frame / FRAMES_PER_VIEW);
    let words = this.words[v];
    if (!words) {
      const bytes = this.host.view(v);
      words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      this.words[v] = words;
    }
    return { words, index: (frame % FRAMES_PER_VIEW) * (FRAME_SIZE / 4) };
  }

  close(): void { this.host.release(); this.words.length = 0; }
}
