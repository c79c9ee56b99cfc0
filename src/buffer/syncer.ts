/**
 * fsync off the libuv thread pool. `fs.fsync` runs on the pool (4 threads by
 * default) that also serves every file write and every `dns.lookup`; one
 * fsync can take tens of milliseconds on a busy disk, so a few buffers syncing
 * at once would stall file() destinations and name resolution. A dedicated
 * worker thread calls fsyncSync instead: it blocks only itself. File
 * descriptors belong to the process, so the worker syncs the descriptors the
 * main thread opened.
 *
 * `mode: 'pool'` keeps the plain fs.promises call, for measurement
 * (bench/diskbuf-append.ts) and as a fallback.
 */
import { Worker } from 'node:worker_threads';
import { open } from 'node:fs/promises';

// getBuiltinModule, not require or import: an eval worker is CommonJS or an ES module
// depending on the parent's flags (--input-type), and this works in both
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const fs = process.getBuiltinModule('node:fs');
parentPort.on('message', ({ id, fd, dir }) => {
  try {
    if (dir !== undefined) {
      const d = fs.openSync(dir, 'r');
      try { fs.fsyncSync(d); } finally { fs.closeSync(d); }
    } else fs.fsyncSync(fd);
    parentPort.postMessage({ id });
  } catch (err) {
    parentPort.postMessage({ id, error: (err && err.code ? err.code + ': ' : '') + String(err && err.message) });
  }
});
`;

export type SyncMode = 'worker' | 'pool';

/**
 * The worker, shared by every buffer of the process: one thread however many
 * destinations buffer (with 16 buffers on 2 cores, a thread per buffer
 * appended about half as fast as the thread pool; bench/diskbuf.ts). Its fsyncs run one after another; each buffer has at
 * most one in flight (group commit), so a sync waits for at most one per other
 * buffer. Started on first use, ended when the last buffer closes.
 */
class SyncWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private users = 0;
  private readonly waiting = new Map<number, { resolve(): void; reject(err: Error): void }>();

  acquire(): void {
    this.users++;
  }

  async release(): Promise<void> {
    if (--this.users > 0) return;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  ask(msg: { fd?: number; dir?: string }): Promise<void> {
    const w = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // a worker waiting for no answer must not keep the process alive
      if (this.waiting.size === 1) w.ref();
      w.postMessage({ id, ...msg });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true, name: 'logferry-fsync' });
    w.on('message', ({ id, error }: { id: number; error?: string }) => {
      const p = this.waiting.get(id);
      if (!p) return;
      this.waiting.delete(id);
      if (this.waiting.size === 0) w.unref();
      if (error === undefined) p.resolve();
      else p.reject(new Error(`fsync failed: ${error}`));
    });
    w.on('error', (err) => this.failAll(err));
    w.on('exit', () => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(new Error('the fsync worker stopped'));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private failAll(err: Error): void {
    for (const p of this.waiting.values()) p.reject(err);
    this.waiting.clear();
  }
}

const shared = new SyncWorker();

export class Syncer {
  readonly mode: SyncMode;
  private open = true;

  constructor(mode: SyncMode) {
    this.mode = mode;
    if (mode === 'worker') shared.acquire();
  }

  /** fsync of an open descriptor */
  fsync(fd: number): Promise<void> {
    return this.mode === 'pool' ? poolSync({ fd }) : shared.ask({ fd });
  }

  /** fsync of a directory, so a created, renamed or removed entry survives a crash */
  fsyncDir(dir: string): Promise<void> {
    return this.mode === 'pool' ? poolSync({ dir }) : shared.ask({ dir });
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    if (this.mode === 'worker') await shared.release();
  }
}

async function poolSync(target: { fd?: number; dir?: string }): Promise<void> {
  if (target.dir !== undefined) {
    const h = await open(target.dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
    return;
  }
  const { fsync } = await import('node:fs');
  await new Promise<void>((res, rej) => fsync(target.fd!, (err) => (err ? rej(err) : res())));
}
