/**
 * file() and stdin() sources: newline-separated lines parsed as syslog.
 * A regular file is read from its start (or from the position the persist
 * file kept for it, when that still belongs to the file there) and then
 * followed: every follow-freq() seconds new bytes are read, and a file that
 * was truncated or replaced is read again from its start. stdin ends at EOF.
 */
import * as fs from 'node:fs';
import { internalLog } from '../core/internal-log.ts';
import { emit } from '../core/telemetry.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';
import { filePositionReset } from './file-events.ts';
import { filePersistKey, PositionTracker, resumeOffset, type FilePosition } from './file-position.ts';
import { StreamReader, type ReaderOptions } from './reader.ts';

export interface FileSourceOptions {
  name: string;
  path: string;
  followFreqMs: number;
  /** when the file is missing or unreadable, retry after this long */
  timeReopenMs: number;
  reader: Omit<ReaderOptions, 'sourceName'>;
}

const CHUNK = 64 * 1024;

export class FileSource implements SourceDriver {
  readonly name: string;
  private readonly o: FileSourceOptions;
  private fd: number | undefined;
  private ino = 0;
  private pos = 0;
  private reader: StreamReader | undefined;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private reading = false;
  private stopped = false;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private warnedMissing = false;
  /** the saved position, until the first open has used it */
  private resume: FilePosition | undefined;
  /** what is acknowledged in the file open now */
  private tracker = new PositionTracker(0);

  constructor(o: FileSourceOptions) {
    this.name = o.name;
    this.o = o;
  }

  get effective(): FileSourceOptions {
    return this.o;
  }

  /** the name of this source's entry in the persist file */
  get persistKey(): string {
    return filePersistKey(this.o.path);
  }

  /** before start(): continue from a saved position if it still belongs to the file */
  resumeFrom(p: FilePosition): void {
    this.resume = p;
  }

  /** where a restart should continue; undefined before the file was ever opened */
  position(): FilePosition | undefined {
    if (this.ino === 0) return this.resume;
    return { pos: this.tracker.committed, inode: this.ino, size: Math.max(this.pos, this.tracker.committed) };
  }

  async start(route: Route): Promise<void> {
    // each line's acknowledgement also advances the position the persist file keeps
    const tracked: Route = (msg, ack) => {
      if (!this.tracker.inChunk) {
        // lines a held reader frames later (on resume), outside any read: a chunk of their own,
        // closed once this turn's framing is done, or the committed offset would never reach them
        this.tracker.begin();
        queueMicrotask(() => this.tracker.end(this.pos - (this.reader?.pendingBytes ?? 0)));
      }
      const settled = this.tracker.routed();
      route(msg, () => {
        ack?.();
        settled();
      });
    };
    this.reader = new StreamReader({ ...this.o.reader, sourceName: this.name }, tracked, {
      pause: () => {
        this.paused = true;
      },
      resume: () => {
        this.paused = false;
        this.poll();
      },
    });
    this.poll();
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poll();
    }, ms);
  }

  private open(): boolean {
    try {
      const fd = fs.openSync(this.o.path, 'r');
      const st = fs.fstatSync(fd);
      this.fd = fd;
      this.ino = st.ino;
      this.pos = this.resumeAt(st);
      this.tracker = new PositionTracker(this.pos);
      this.warnedMissing = false;
      return true;
    } catch (err) {
      if (!this.warnedMissing) {
        internalLog('error', 'Error opening file for reading', { filename: this.o.path, error: (err as Error).message, time_reopen: this.o.timeReopenMs / 1000 });
        this.warnedMissing = true;
      }
      return false;
    }
  }

  /** the saved position applies once, to the first file opened, if it is still that file */
  private resumeAt(st: fs.Stats): number {
    const stored = this.resume;
    this.resume = undefined;
    if (!stored) return 0;
    const at = resumeOffset(stored, st.ino, st.size);
    if (at !== undefined) return at;
    emit(filePositionReset, { source: this.name, filename: this.o.path, stored, inode: st.ino, size: st.size });
    return 0;
  }

  private poll(): void {
    if (this.stopped || this.reading || this.paused) return;
    if (this.fd === undefined && !this.open()) return this.schedule(this.o.timeReopenMs);
    this.reading = true;
    fs.read(this.fd!, this.buf, 0, CHUNK, this.pos, (err, n) => {
      this.reading = false;
      if (this.stopped) return;
      if (err) {
        internalLog('error', 'Error reading file', { filename: this.o.path, error: err.message });
        this.reopen();
        return this.schedule(this.o.timeReopenMs);
      }
      if (n > 0) {
        this.pos += n;
        this.tracker.begin();
        // the reader keeps views of the chunk only until it returns, except split frames it copies
        this.reader!.push(Buffer.from(this.buf.subarray(0, n)));
        // an unterminated last line is not consumed yet: a restart reads it again, whole
        this.tracker.end(this.pos - this.reader!.pendingBytes);
        return setImmediate(() => this.poll());
      }
      this.checkRotation();
      this.schedule(this.o.followFreqMs);
    });
  }

  /** a shorter or replaced file is read from the start */
  private checkRotation(): void {
    try {
      const st = fs.statSync(this.o.path);
      if (st.ino !== this.ino || st.size < this.pos) this.reopen();
    } catch {
      /* gone for now: keep the old descriptor until a new file appears */
    }
  }

  private reopen(): void {
    if (this.fd !== undefined) {
      this.reader?.end();
      fs.close(this.fd, () => {});
    }
    this.fd = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd !== undefined) {
      // an unterminated last line, and bytes a held reader has not framed yet, stay unread: the saved
      // position is before them (only acknowledged lines move it), so the next start reads them whole
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

export interface StdinSourceOptions {
  name: string;
  reader: Omit<ReaderOptions, 'sourceName'>;
  /** called at EOF (syslog-ng's -F with stdin() stops the daemon then) */
  onEof?: () => void;
}

export class StdinSource implements SourceDriver {
  readonly name: string;
  private readonly o: StdinSourceOptions;
  private onData: ((b: Buffer) => void) | undefined;

  constructor(o: StdinSourceOptions) {
    this.name = o.name;
    this.o = o;
  }

  get effective(): StdinSourceOptions {
    return this.o;
  }

  async start(route: Route): Promise<void> {
    const stdin = process.stdin;
    const reader = new StreamReader({ ...this.o.reader, sourceName: this.name }, route, {
      pause: () => stdin.pause(),
      resume: () => stdin.resume(),
    });
    this.onData = (b: Buffer) => {
      reader.push(b);
    };
    stdin.on('data', this.onData);
    stdin.once('end', () => {
      reader.end();
      this.o.onEof?.();
    });
  }

  async stop(): Promise<void> {
    if (this.onData) process.stdin.off('data', this.onData);
    process.stdin.pause();
  }
}
