/**
 * file() destination: appends formatted messages to files whose names may
 * contain macros. Files open lazily (create-dirs, perm, dir-perm, owner,
 * group, dir-owner, dir-group), stay open while used and close after
 * time-reap seconds idle. With fsync(yes) each written batch is fsync()ed
 * before it counts as written (syslog-ng fsyncs after each write).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogMessage } from '../message/log-message.ts';
import { internalLog } from '../core/internal-log.ts';
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
  /** numeric ids (names resolved when the driver was built); undefined = leave alone */
  uid?: number;
  gid?: number;
  dirUid?: number;
  dirGid?: number;
  timeReapMs: number;
  fsync: boolean;
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

  get effective(): FileDestinationOptions {
    return this.o;
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
    if (this.o.createDirs) this.makeDirs(path.dirname(p));
    const created = !fs.existsSync(p);
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, this.o.perm);
    if (created) {
      // the mode given to open() is cut by the umask; perm() is meant exactly, as in syslog-ng
      this.settle(p, () => fs.fchmodSync(fd, this.o.perm));
      if (this.o.uid !== undefined || this.o.gid !== undefined) this.settle(p, () => fs.fchownSync(fd, this.o.uid ?? -1, this.o.gid ?? -1));
    }
    this.files.set(p, { fd, lastUsed: Date.now() });
    return fd;
  }

  /** mkdir -p; directories this call creates get dir-perm(), dir-owner(), dir-group() */
  private makeDirs(dir: string): void {
    const first = fs.mkdirSync(dir, { recursive: true, mode: this.o.dirPerm });
    if (first === undefined) return;
    const made: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      made.push(d);
      if (d === first || path.dirname(d) === d) break;
    }
    for (const d of made.reverse()) {
      this.settle(d, () => fs.chmodSync(d, this.o.dirPerm));
      if (this.o.dirUid !== undefined || this.o.dirGid !== undefined) this.settle(d, () => fs.chownSync(d, this.o.dirUid ?? -1, this.o.dirGid ?? -1));
    }
  }

  /** ownership and mode are best effort (chown needs privileges): reported, never fatal */
  private settle(p: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      internalLog('warning', 'Error setting file ownership or permissions', { filename: p, error: (err as Error).message });
    }
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
      const after = (err: Error | null) => {
        if (err) {
          const f = this.files.get(name);
          if (f) {
            fs.close(f.fd, () => {});
            this.files.delete(name);
          }
        }
        finish(err ?? undefined);
      };
      // with fsync(yes) the batch counts as written (acked) only once it is on disk
      writeAll(fd, buf, 0, (err) => (!err && this.o.fsync ? fs.fsync(fd, after) : after(err)));
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
