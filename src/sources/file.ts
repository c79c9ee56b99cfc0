/**
 * file() and stdin() sources: newline-separated lines parsed as syslog.
 * A regular file is read from its start and then followed: every
 * follow-freq() seconds new bytes are read, and a file that was truncated or
 * replaced is read again from its start. stdin ends at EOF.
 */
import * as fs from 'node:fs';
import { internalLog } from '../core/internal-log.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';
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

  constructor(o: FileSourceOptions) {
    this.name = o.name;
    this.o = o;
  }

  get effective(): FileSourceOptions {
    return this.o;
  }

  async start(route: Route): Promise<void> {
    this.reader = new StreamReader({ ...this.o.reader, sourceName: this.name }, route, {
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
      this.pos = 0;
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
        // the reader keeps views of the chunk only until it returns, except split frames it copies
        this.reader!.push(Buffer.from(this.buf.subarray(0, n)));
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
      // what was read but is held back by the window is framed now (reader.ts)
      this.reader?.flush();
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
