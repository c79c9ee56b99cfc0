/**
 * file() destination: appends formatted messages to files whose names may
 * contain macros. Files open lazily (create-dirs, perm, dir-perm), stay open
 * while used and close after time-reap seconds idle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogMessage } from '../message/log-message.ts';
import { internalLog } from '../message/internal-log.ts';
import type { QueueEntry } from '../pipeline/queue.ts';
import { BatchEncoder } from '../syslog/framing/batch-encoder.ts';
import { QueuedDestination, type QueuedOptions } from './queued.ts';

export interface FileDestinationOptions extends QueuedOptions {
  /** file name for a message (a static name or an expanded template) */
  fileName: (msg: LogMessage) => string;
  format: (msg: LogMessage) => string | Buffer;
  createDirs: boolean;
  perm: number;
  dirPerm: number;
  owner?: string;
  group?: string;
  timeReapMs: number;
}

interface OpenFile {
  fd: number;
  lastUsed: number;
}

export class FileDestination extends QueuedDestination {
  private readonly o: FileDestinationOptions;
  private readonly files = new Map<string, OpenFile>();
  /** one batch per file name, kept across batches so their buffers are sized once */
  private readonly batches = new Map<string, BatchEncoder>();
  private reaper: NodeJS.Timeout | undefined;

  constructor(o: FileDestinationOptions) {
    super(o);
    this.o = o;
  }

  async start(): Promise<void> {
    this.reaper = setInterval(() => this.reap(), Math.max(1000, Math.min(this.o.timeReapMs, 60000)));
    this.reaper.unref();
  }

  private reap(): void {
    const now = Date.now();
    for (const [p, f] of this.files) {
      if (now - f.lastUsed >= this.o.timeReapMs) {
        fs.close(f.fd, () => {});
        this.files.delete(p);
      }
    }
  }

  private openFile(p: string): number {
    const f = this.files.get(p);
    if (f) {
      f.lastUsed = Date.now();
      return f.fd;
    }
    if (this.o.createDirs) fs.mkdirSync(path.dirname(p), { recursive: true, mode: this.o.dirPerm });
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, this.o.perm);
    this.files.set(p, { fd, lastUsed: Date.now() });
    return fd;
  }

  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    // each file gets one write per batch
    const touched: Array<[string, BatchEncoder]> = [];
    for (const e of entries) {
      const name = this.o.fileName(e.msg);
      let enc = this.batches.get(name);
      if (!enc) {
        if (this.batches.size > 1024) this.batches.clear();
        this.batches.set(name, (enc = new BatchEncoder({ framing: 'none', flushLines: this.flushLines })));
      }
      if (enc.count === 0) touched.push([name, enc]);
      enc.add(this.o.format(e.msg));
    }
    let pending = touched.length;
    let failed: Error | undefined;
    const finish = (err?: Error) => {
      if (err && !failed) failed = err;
      if (--pending === 0) done(failed);
    };
    if (pending === 0) return done();
    for (const [name, enc] of touched) {
      const buf = enc.take();
      let fd: number;
      try {
        fd = this.openFile(name);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        internalLog('error', 'Error opening file for writing', { filename: name, error: `${e.message}` });
        finish(e);
        continue;
      }
      writeAll(fd, buf, 0, (err) => {
        if (err) {
          const f = this.files.get(name);
          if (f) {
            fs.close(f.fd, () => {});
            this.files.delete(name);
          }
        }
        finish(err ?? undefined);
      });
    }
  }

  protected override onWriteError(err: Error): void {
    internalLog('error', 'I/O error occurred while writing', { destination: this.name, error: err.message, time_reopen: this.timeReopenMs / 1000 });
  }

  protected async close(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    for (const f of this.files.values()) {
      try {
        fs.closeSync(f.fd);
      } catch {
        /* already closed */
      }
    }
    this.files.clear();
  }
}

function writeAll(fd: number, buf: Buffer, off: number, cb: (err: Error | null) => void): void {
  fs.write(fd, buf, off, buf.length - off, null, (err, n) => {
    if (err) return cb(err);
    if (off + n < buf.length) return writeAll(fd, buf, off + n, cb);
    cb(null);
  });
}
