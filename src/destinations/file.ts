/**
 * file() destination: appends formatted messages to files whose names may
 * contain macros. Files open lazily (create-dirs, perm, dir-perm, owner,
 * group, dir-owner, dir-group), stay open while used and close after
 * time-reap seconds idle. With fsync(yes) each written batch is fsync()ed
 * before it counts as written (syslog-ng fsyncs after each write).
 *
 * reopen() (on reload, e.g. after logrotate renamed the file) closes the open
 * files once the batch being written is done, so the next write opens the
 * path anew. A failed write (a full disk, a quota, a missing directory) is
 * reported once, until a write works again; the batch goes back to the
 * queue and is retried after time-reopen(), and the bytes of it that did
 * reach a file are not written a second time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogMessage } from '../message/log-message.ts';
import { internalLog } from '../core/internal-log.ts';
import { emit } from '../core/telemetry.ts';
import { fileWriteFailed, fileWriteRecovered } from './file-events.ts';
import type { QueueEntry } from '../pipeline/queue.ts';
import { BatchEncoder } from '../syslog/framing/batch-encoder.ts';
import { QueuedDestination, type QueuedOptions } from './queued.ts';
import { ackOriginOf, currentAckLedger } from '../pipeline/ack-ledger.ts';

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
  /** writes bytes at the end of the file (a seam for tests: the default is fs.write) */
  write?: WriteFn;
}

export type WriteFn = (fd: number, buf: Buffer, off: number, len: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void) => void;

const fsWrite: WriteFn = (fd, buf, off, len, cb) => fs.write(fd, buf, off, len, null, cb);

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
  private readonly write: WriteFn;
  /** a batch is being written: reopen() waits for it, so no line is split across two files */
  private inBatch = false;
  private reopenPending = false;
  /**
   * per file name, bytes of the failed batch that did reach the file: the retried
   * batch starts with the same lines, and those bytes are skipped
   */
  private readonly partial = new Map<string, number>();
  /** the failure reported and not yet recovered from */
  private failing: { filename: string; since: number } | undefined;

  constructor(o: FileDestinationOptions) {
    super(o);
    this.o = o;
    this.write = o.write ?? fsWrite;
  }

  /** Closes every open file once the batch in progress is written; the next write opens its path anew. */
  reopen(): void {
    if (this.inBatch) this.reopenPending = true;
    else this.closeFiles();
  }

  private closeFiles(): void {
    this.reopenPending = false;
    for (const f of this.files.values()) fs.close(f.fd, () => {});
    this.files.clear();
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
    // records of acknowledging connections (docs/ack-transfer.md): per file, per sender, their seqs
    const ledger = currentAckLedger();
    let journaled: Map<string, Map<string, number[]>> | undefined;
    for (const e of entries) {
      const name = this.o.fileName(e.msg);
      const origin = ledger ? ackOriginOf(e.msg) : undefined;
      if (origin) {
        // a resend of what this file got before the receiver's last stop: written once already
        if (ledger!.holding && ledger!.alreadyWritten(path.resolve(name), origin.sender, origin.seq)) continue;
        journaled ??= new Map();
        let perFile = journaled.get(name);
        if (!perFile) journaled.set(name, (perFile = new Map()));
        const seqs = perFile.get(origin.sender);
        if (seqs) seqs.push(origin.seq);
        else perFile.set(origin.sender, [origin.seq]);
      }
      let enc = this.batches.get(name);
      if (!enc) {
        if (this.batches.size > 1024) this.batches.clear();
        this.batches.set(name, (enc = new BatchEncoder({ framing: 'none', flushLines: this.flushLines })));
      }
      if (enc.count === 0) touched.push([name, enc]);
      enc.add(this.o.format(e.msg));
    }
    if (touched.length === 0) return done();
    let pending = touched.length;
    let failed: { err: NodeJS.ErrnoException; filename: string } | undefined;
    /** per file: bytes at the start of its buffer that are in the file now (skipped or written) */
    const reached = new Map<string, { len: number; upTo: number }>();
    this.inBatch = true;
    const finish = (name: string, err?: NodeJS.ErrnoException) => {
      if (err && !failed) failed = { err, filename: name };
      if (--pending > 0) return;
      this.inBatch = false;
      if (this.reopenPending) this.closeFiles();
      this.settlePartial(reached, failed !== undefined);
      this.report(failed);
      done(failed?.err);
    };
    for (const [name, enc] of touched) {
      const buf = enc.take();
      // a retried batch starts with the lines of the failed one: what reached the file then is skipped
      const skip = this.partial.get(name) ?? 0;
      const r = { len: buf.length, upTo: skip };
      reached.set(name, r);
      if (skip >= buf.length) {
        finish(name);
        continue;
      }
      let fd: number;
      try {
        fd = this.openFile(name);
      } catch (err) {
        finish(name, err as NodeJS.ErrnoException);
        continue;
      }
      // an intent before the bytes, so a kill during this write is settled at start (pipeline/ack-ledger.ts)
      const seqs = journaled?.get(name);
      let intent: { id: number; offset: number } | undefined;
      if (seqs) {
        try {
          const offset = fs.fstatSync(fd).size;
          intent = { id: ledger!.beginWrite(path.resolve(name), offset, buf.length - skip, seqs), offset };
        } catch (err) {
          finish(name, err as NodeJS.ErrnoException);
          continue;
        }
      }
      const after = (err: NodeJS.ErrnoException | null) => {
        if (intent) {
          // a failed journaled write is taken back whole, so the retry writes its records once
          if (err) r.upTo = this.rollBack(fd, intent.offset) ? skip : r.upTo;
          ledger!.endWrite(intent.id, !err);
        }
        if (err) {
          const f = this.files.get(name);
          if (f) {
            fs.close(f.fd, () => {});
            this.files.delete(name);
          }
        }
        finish(name, err ?? undefined);
      };
      // with fsync(yes) the batch counts as written (acked) only once it is on disk
      writeAll(this.write, fd, buf, skip, (err, upTo) => {
        r.upTo = upTo;
        // what reached the file, a failed write's first part included (a retry skips it)
        this.addWrittenBytes(upTo - skip);
        if (err || !this.o.fsync) return after(err);
        // a failed fsync leaves the bytes written: the retry does not write them again
        fs.fsync(fd, after);
      });
    }
  }

  /** cuts the file back to where a failed journaled write began; false when it cannot */
  private rollBack(fd: number, offset: number): boolean {
    try {
      fs.ftruncateSync(fd, offset);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * What the next batch may skip per file. After a failure the same lines come
   * again, so whatever reached the file is skipped (this relies on a message
   * formatting to the same bytes twice, true of every macro but the $C_* clock).
   * After a success, only bytes written ahead of this batch's end remain to skip.
   */
  private settlePartial(reached: Map<string, { len: number; upTo: number }>, failed: boolean): void {
    for (const [name, r] of reached) {
      const left = failed ? r.upTo : r.upTo - r.len;
      if (left > 0) this.partial.set(name, left);
      else this.partial.delete(name);
    }
  }

  /** a failure once until a write works again, then one line that it does */
  private report(failed: { err: NodeJS.ErrnoException; filename: string } | undefined): void {
    if (failed) {
      if (this.failing) return;
      this.failing = { filename: failed.filename, since: Date.now() };
      emit(fileWriteFailed, { destination: this.name, filename: failed.filename, error: failed.err.message, code: failed.err.code, timeReopenMs: this.timeReopenMs });
      return;
    }
    if (!this.failing) return;
    emit(fileWriteRecovered, { destination: this.name, filename: this.failing.filename, failedForMs: Date.now() - this.failing.since });
    this.failing = undefined;
  }

  protected override onWriteError(): void {
    // reported by report(), with the file name, once per failure
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

/** writes buf[off..]; reports how far it got when it fails */
function writeAll(write: WriteFn, fd: number, buf: Buffer, off: number, cb: (err: NodeJS.ErrnoException | null, upTo: number) => void): void {
  write(fd, buf, off, buf.length - off, (err, n) => {
    if (err) return cb(err, off);
    if (off + n < buf.length) return writeAll(write, fd, buf, off + n, cb);
    cb(null, buf.length);
  });
}
