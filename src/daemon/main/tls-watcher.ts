/**
 * Notices that the files of a tls() block changed, so the daemon can rotate
 * certificates without a signal or a restart.
 *
 * Why directories: a Kubernetes secret volume swaps its content by renaming a
 * `..data` symlink to a new timestamped directory; the certificate file's own
 * path never changes, so a watch on the file (its inode) sees nothing. A watch
 * on the directory that holds the name sees the rename; the directory the name
 * resolves to is watched too, for files edited in place behind a symlink.
 *
 * Why a debounce: key and certificate arrive as separate writes; acting on the
 * first would refuse a key that does not match the old certificate. A check
 * waits until the directories were quiet for `debounceMs`, but never longer
 * than `maxWaitMs` after the first event (a directory that never stops changing
 * still gets checked).
 *
 * Why a content-hash poll: fs.watch misses changes (network file systems,
 * directories that did not exist yet, a watch limit reached). Every `pollMs`
 * the same check runs. Only a block whose files' content hash changed is
 * reported, so an unchanged (or unchanged bad) file is never re-read or
 * re-reported.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The files of one tls() block, as the watcher needs them. */
export interface WatchedBlock {
  key: string;
  /** files whose content counts (cert-file, key-file, ca-file, pkcs12-file, dhparam-file) */
  files: string[];
  /** directories whose every file counts (ca-dir, crl-dir) */
  dirs: string[];
}

export interface TlsWatcherOptions {
  /** quiet time after the last change before checking (default 300 ms) */
  debounceMs?: number;
  /** a check happens at most this long after the first change of a burst (default 2 000 ms) */
  maxWaitMs?: number;
  /** the content-hash poll (default 30 000 ms) */
  pollMs?: number;
  /** the blocks whose content hash changed since the last call (or since start) */
  onChange(keys: string[]): void;
}

export const DEFAULT_POLL_MS = 30_000;
/** lower and upper bounds of the poll interval, whatever asks for it */
const POLL_BOUNDS: [number, number] = [50, 3_600_000];
/** a ca-dir() with more files than this is hashed by its first entries only: OpenSSL's hashed directories are small */
const MAX_DIR_ENTRIES = 10_000;

/** the poll interval asked for in the environment (tests), else the default; bounded */
export function pollMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LOGFERRY_TLS_POLL_MS);
  if (!Number.isFinite(n) || n <= 0) return DEFAULT_POLL_MS;
  return Math.min(POLL_BOUNDS[1], Math.max(POLL_BOUNDS[0], Math.round(n)));
}

function hashFile(h: ReturnType<typeof createHash>, file: string): void {
  h.update(`\0f${file}\0`);
  try {
    h.update(fs.readFileSync(file));
  } catch (e) {
    // a missing or unreadable file is a state too: its appearance is a change
    h.update(`!${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function hashDir(h: ReturnType<typeof createHash>, dir: string): void {
  h.update(`\0d${dir}\0`);
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort().slice(0, MAX_DIR_ENTRIES);
  } catch (e) {
    h.update(`!${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    return;
  }
  for (const n of names) {
    // Kubernetes' own `..data` and `..2026_…` entries are reached through the names that use them
    if (n.startsWith('..')) continue;
    const p = path.join(dir, n);
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      h.update(`\0${n}\0dangling`);
      continue;
    }
    if (st.isFile()) hashFile(h, p);
  }
}

/** One digest of everything a block reads: the same bytes give the same digest. */
export function contentHash(b: WatchedBlock): string {
  const h = createHash('sha256');
  for (const f of b.files) hashFile(h, f);
  for (const d of b.dirs) hashDir(h, d);
  return h.digest('hex');
}

/** The directories whose entries decide what a block reads. */
function dirsToWatch(b: WatchedBlock): string[] {
  const out = new Set<string>();
  const withReal = (p: string) => {
    out.add(p);
    try {
      out.add(fs.realpathSync(p));
    } catch {
      // not there yet: the poll notices when it appears
    }
  };
  for (const f of b.files) {
    withReal(path.dirname(path.resolve(f)));
    try {
      withReal(path.dirname(fs.realpathSync(f)));
    } catch {
      // as above
    }
  }
  for (const d of b.dirs) {
    withReal(path.resolve(d));
    withReal(path.dirname(path.resolve(d)));
  }
  return [...out];
}

export class TlsWatcher {
  private readonly blocks: WatchedBlock[];
  private readonly o: Required<Omit<TlsWatcherOptions, 'onChange'>> & Pick<TlsWatcherOptions, 'onChange'>;
  private readonly hashes = new Map<string, string>();
  private readonly watches = new Map<string, fs.FSWatcher>();
  private quietTimer: NodeJS.Timeout | undefined;
  private burstStart = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** how many checks ran, and why (for tests and debugging) */
  readonly stats = { checks: 0, events: 0, polls: 0 };

  constructor(blocks: readonly WatchedBlock[], opts: TlsWatcherOptions) {
    this.blocks = blocks.filter((b) => b.files.length > 0 || b.dirs.length > 0);
    this.o = {
      debounceMs: opts.debounceMs ?? 300,
      maxWaitMs: Math.max(opts.maxWaitMs ?? 2000, opts.debounceMs ?? 300),
      pollMs: Math.min(POLL_BOUNDS[1], Math.max(POLL_BOUNDS[0], opts.pollMs ?? DEFAULT_POLL_MS)),
      onChange: opts.onChange,
    };
  }

  /** Takes the files' current content as the known state and starts watching. */
  start(): void {
    if (!this.stopped || this.blocks.length === 0) return;
    this.stopped = false;
    for (const b of this.blocks) this.hashes.set(b.key, contentHash(b));
    this.refreshWatches();
    this.schedulePoll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.pollTimer);
    this.quietTimer = undefined;
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  /** Compares every block with its last known content now; calls onChange with those that differ. */
  check(): string[] {
    if (this.stopped) return [];
    this.stats.checks++;
    const changed: string[] = [];
    for (const b of this.blocks) {
      const h = contentHash(b);
      if (this.hashes.get(b.key) !== h) {
        this.hashes.set(b.key, h);
        changed.push(b.key);
      }
    }
    // a swap points the names at a new directory: watch that one instead of the old
    this.refreshWatches();
    if (changed.length > 0) this.o.onChange(changed);
    return changed;
  }

  private changeSeen(): void {
    if (this.stopped) return;
    this.stats.events++;
    const now = Date.now();
    if (this.quietTimer === undefined) this.burstStart = now;
    clearTimeout(this.quietTimer);
    const wait = Math.max(0, Math.min(this.o.debounceMs, this.burstStart + this.o.maxWaitMs - now));
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      this.check();
    }, wait);
    this.quietTimer.unref();
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      if (this.stopped) return;
      this.stats.polls++;
      this.check();
      this.schedulePoll();
    }, this.o.pollMs);
    this.pollTimer.unref();
  }

  private refreshWatches(): void {
    const want = new Set(this.blocks.flatMap(dirsToWatch));
    for (const [dir, w] of this.watches) {
      if (want.has(dir)) continue;
      w.close();
      this.watches.delete(dir);
    }
    for (const dir of want) {
      if (this.watches.has(dir)) continue;
      try {
        const w = fs.watch(dir, { persistent: false }, () => this.changeSeen());
        // a watched directory that goes away (the old timestamped one after a swap) only ends its watch
        w.on('error', () => {
          w.close();
          if (this.watches.get(dir) === w) this.watches.delete(dir);
        });
        this.watches.set(dir, w);
      } catch {
        // missing directory or no watch left: the poll still sees changes
      }
    }
  }
}
