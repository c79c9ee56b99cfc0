/**
 * Where the messages of a run come from and when the run is over: a fixed
 * --count, a --duration, or the lines of --from-file (a file or stdin). Every
 * connection asks the one feed for its next batch, so the total is exact
 * however many connections share it.
 */
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface Feed {
  /** Grants up to `max` messages; 0 means the run is over. May wait for input. */
  grant(max: number): number | Promise<number>;
  /** MSG text of the next granted message (line feeds); undefined for synthetic messages. */
  nextLine(): string | undefined;
  /** messages granted so far */
  readonly granted: number;
  /** the total the run is meant to send, once known (undefined for --duration until it ends) */
  planned(): number | undefined;
  /** Ends the run early (a failure); waiters get 0. */
  stop(): void;
}

/** Thrown when --from-file cannot be opened: a one-sentence reason for the user. */
export class FeedError extends Error {}

/** --count N or --duration S of the default message. */
export class SyntheticFeed implements Feed {
  granted = 0;
  private readonly count: number | undefined;
  private readonly deadline: number | undefined;
  private stopped = false;

  constructor(o: { count?: number; durationS?: number; now?: number }) {
    this.count = o.count;
    this.deadline = o.durationS === undefined ? undefined : (o.now ?? Date.now()) + o.durationS * 1000;
  }

  grant(max: number): number {
    if (this.stopped) return 0;
    let n = max;
    if (this.count !== undefined) n = Math.min(n, this.count - this.granted);
    if (this.deadline !== undefined && Date.now() >= this.deadline) n = 0;
    if (n <= 0) return 0;
    this.granted += n;
    return n;
  }

  nextLine(): undefined {
    return undefined;
  }

  planned(): number | undefined {
    return this.count ?? (this.stopped || (this.deadline !== undefined && Date.now() >= this.deadline) ? this.granted : undefined);
  }

  stop(): void {
    this.stopped = true;
  }
}

/** reading pauses while this many lines wait to be sent */
const HIGH_WATER = 20_000;

/** The lines of a file or of stdin ('-'), each one message; empty lines are skipped. */
export class LineFeed implements Feed {
  granted = 0;
  private readonly lines: string[] = [];
  /** index of the next line to hand out (the array is compacted now and then) */
  private head = 0;
  private ended = false;
  private stopped = false;
  private readonly rl: Interface;
  private readonly input: Readable;
  /** a file we opened (closed at the end); stdin is left open */
  private readonly ownsInput: boolean;
  private paused = false;
  private waiters: Array<() => void> = [];
  private readonly count: number | undefined;
  private readonly deadline: number | undefined;
  /** lines accepted from the input (≤ count) */
  private read = 0;
  /** lines handed out by nextLine() */
  private taken = 0;
  /** set when the input failed part-way */
  readError: string | undefined;

  constructor(o: { path: string; count?: number; durationS?: number; stdin?: Readable }) {
    this.count = o.count;
    this.deadline = o.durationS === undefined ? undefined : Date.now() + o.durationS * 1000;
    this.ownsInput = o.path !== '-';
    if (o.path === '-') {
      this.input = o.stdin ?? process.stdin;
    } else {
      let fd: number;
      try {
        fd = openSync(o.path, 'r');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message;
        throw new FeedError(`--from-file ${o.path}: ${why}`);
      }
      if (fstatSync(fd).isDirectory()) {
        closeSync(fd);
        throw new FeedError(`--from-file ${o.path}: is a directory, a file is expected here`);
      }
      this.input = createReadStream('', { fd });
    }
    this.rl = createInterface({ input: this.input, crlfDelay: Infinity });
    // readline passes its input's errors on: a read error ends the input, what was read is still sent
    this.rl.on('error', (e) => {
      this.readError = `--from-file ${o.path}: ${(e as Error).message}`;
      this.finish();
    });
    this.rl.on('line', (line) => this.onLine(line));
    this.rl.on('close', () => this.finish());
  }

  private onLine(line: string): void {
    if (this.ended || line.length === 0) return;
    this.lines.push(line);
    this.read++;
    if (this.count !== undefined && this.read >= this.count) {
      this.finish();
      return;
    }
    if (!this.paused && this.lines.length - this.head >= HIGH_WATER) {
      this.paused = true;
      this.rl.pause();
    }
    this.wake();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.rl.close();
    if (this.ownsInput) this.input.destroy();
    else this.input.pause();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  grant(max: number): number | Promise<number> {
    if (this.stopped) return 0;
    if (this.deadline !== undefined && Date.now() >= this.deadline) {
      if (!this.ended) this.finish();
      return 0;
    }
    const avail = this.lines.length - this.head - (this.granted - this.taken);
    if (avail > 0) {
      const n = Math.min(max, avail);
      this.granted += n;
      if (this.paused && this.lines.length - this.head - n < HIGH_WATER / 2) {
        this.paused = false;
        this.rl.resume();
      }
      return n;
    }
    if (this.ended) return 0;
    return new Promise<number>((resolve) => {
      this.waiters.push(() => resolve(this.grant(max)));
    });
  }

  nextLine(): string | undefined {
    if (this.head >= this.lines.length) return undefined;
    const line = this.lines[this.head++];
    this.taken++;
    if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines.splice(0, this.head);
      this.head = 0;
    }
    return line;
  }

  planned(): number | undefined {
    return this.ended || this.stopped ? Math.max(this.read, this.granted) : this.count;
  }

  stop(): void {
    this.stopped = true;
    this.finish();
  }
}
