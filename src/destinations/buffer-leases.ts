/**
 * One DiskBuffer per directory per process, shared across a reload. A
 * destination rebuilt by a reload starts before its predecessor stops, and
 * both name the same directory (the name comes from the destination, not
 * its settings): the new one takes the open buffer instead of failing on
 * the lock. Appends from both are safe (append is synchronous); reading is
 * not, so the reader's turn passes on: the successor reads only once the
 * predecessor let go of reading, and starts again after the cursor
 * (rewind), resending what the predecessor had sent but not had acknowledged.
 * The newest settings (disk-buf-size(), reliable()) apply from the take-over.
 */
import { resolve } from 'node:path';
import { DiskBuffer, type DiskBufferOptions } from '../buffer/disk-buffer.ts';

export interface BufferLease {
  readonly buffer: DiskBuffer;
  /** resolves when this lease may read (the previous reader let go) */
  readonly readerTurn: Promise<void>;
  /** this lease reads no more (idempotent) */
  releaseReader(): void;
  /** gives the buffer up; the last lease closes it */
  release(): Promise<void>;
}

interface Entry {
  opening: Promise<DiskBuffer>;
  users: number;
  /** resolves when the newest lease lets go of reading */
  reader: Promise<void>;
}

const entries = new Map<string, Entry>();
/** buffers being closed by their last lease: a new lease waits for the close, then opens again */
const closing = new Map<string, Promise<void>>();

export async function leaseBuffer(dir: string, opts: DiskBufferOptions): Promise<BufferLease> {
  const key = resolve(dir);
  // bounded: each turn waits for one close to finish
  for (let i = 0; i < 8 && closing.has(key) && !entries.has(key); i++) await closing.get(key);
  let e = entries.get(key);
  if (!e) {
    e = { opening: DiskBuffer.open(dir, opts), users: 0, reader: Promise.resolve() };
    entries.set(key, e);
  }
  const entry = e;
  entry.users++;
  let buffer: DiskBuffer;
  try {
    buffer = await entry.opening;
  } catch (err) {
    if (--entry.users === 0 && entries.get(key) === entry) entries.delete(key);
    throw err;
  }
  buffer.opts.maxBytes = opts.maxBytes;
  buffer.opts.reliable = opts.reliable;
  const readerTurn = entry.reader;
  let letGo!: () => void;
  entry.reader = new Promise<void>((r) => (letGo = r));
  let released = false;
  return {
    buffer,
    readerTurn,
    releaseReader: () => letGo(),
    async release() {
      if (released) return;
      released = true;
      letGo();
      if (--entry.users > 0) return;
      entries.delete(key);
      const done = buffer.close();
      closing.set(key, done.catch(() => {}));
      try {
        await done;
      } finally {
        closing.delete(key);
      }
    },
  };
}
