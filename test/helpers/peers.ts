/**
 * Runs the real reference peers next to logferry: syslog-ng 3.38 (and its loggen), rsyslog 8.2302
 * (private extraction under /opt/rsyslog) and `openssl s_client`. Every daemon gets its own temp
 * work dir (config, pid file, persist file, control socket, stderr), listens on loopback only, is
 * declared ready only when its port accepts a connection (bounded polling, never a blind sleep) and
 * is stopped by PID: SIGTERM, then SIGKILL after a deadline.
 *
 * The process lifecycle part (`ManagedProcess`, `startSyslogNgCompatible`, `waitFor*`) is shared
 * with daemon.ts, which runs logferry with the very same flags and config.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Paths and availability

/** Repository root (test/helpers/ → ../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The project's own peer scripts (the test PKI maker): scripts/peers/ of this repository. */
export const PEERS_DIR = join(REPO_ROOT, 'scripts', 'peers');

/** How to get a missing peer; printed with every "missing" failure. */
export const INSTALL_HINT = 'Install the peers with: sudo bash scripts/install-peers.sh (Debian 12; scripts/test.sh runs it)';

/** Path of one of the project's peer scripts; throws a clear error when it is not there. */
export function peersScript(name: string): string {
  const p = join(PEERS_DIR, name);
  if (!existsSync(p)) throw new Error(`peer script ${p} not found: it is part of the repository (scripts/peers/)`);
  return p;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** sbin dirs a non-login PATH may lack (syslog-ng lives in /usr/sbin). */
const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** First executable `name` in `path` (a PATH value) or the sbin dirs. */
export function which(name: string, path = process.env.PATH ?? '', extraDirs: readonly string[] = SBIN_DIRS): string | undefined {
  for (const d of path.split(':').concat(extraDirs)) {
    if (d !== '' && isExecutable(join(d, name))) return join(d, name);
  }
  return undefined;
}

export function syslogNgBin(): string | undefined {
  return process.env.SYSLOG_NG_BIN ?? which('syslog-ng');
}

/** Where rsyslogd may be: Debian's own, else the private extraction install-peers.sh makes. */
const RSYSLOG_ROOTS = ['', '/opt/rsyslog'];

/** rsyslogd: $RSYSLOGD, Debian's own if installed, else the /opt/rsyslog extraction. */
export function rsyslogdBin(roots: readonly string[] = RSYSLOG_ROOTS): string | undefined {
  if (process.env.RSYSLOGD && isExecutable(process.env.RSYSLOGD)) return process.env.RSYSLOGD;
  for (const r of roots) if (isExecutable(`${r}/usr/sbin/rsyslogd`)) return `${r}/usr/sbin/rsyslogd`;
  return undefined;
}

/** Module dir matching rsyslogdBin() (it differs for the /opt extraction). */
export function rsyslogModDir(bin = rsyslogdBin()): string | undefined {
  if (bin === undefined) return undefined;
  const root = bin.replace(/\/usr\/sbin\/rsyslogd$/, '');
  for (const arch of ['x86_64-linux-gnu', 'aarch64-linux-gnu']) {
    const d = `${root}/usr/lib/${arch}/rsyslog`;
    if (existsSync(join(d, 'imtcp.so'))) return d;
  }
  return undefined;
}

export function hasSyslogNg(): boolean {
  return missingPeers(['syslog-ng']).length === 0;
}
export function hasLoggen(): boolean {
  return missingPeers(['loggen']).length === 0;
}
export function hasOpenssl(): boolean {
  return missingPeers(['openssl']).length === 0;
}
export function hasRsyslog(driver?: 'ossl' | 'gtls'): boolean {
  return missingPeers([driver === undefined ? 'rsyslog' : `rsyslog-${driver}`]).length === 0;
}

/** The programs the suite runs next to logferry; every one is installed by scripts/install-peers.sh. */
export type PeerName = 'syslog-ng' | 'loggen' | 'openssl' | 'iconv' | 'rsyslog' | 'rsyslog-ossl' | 'rsyslog-gtls';

/** Where to look; tests of this module point it at empty or fake directories. */
export interface PeerLookup {
  /** a PATH value (default: this process's PATH) */
  path?: string;
  /** searched after `path` (default: the sbin dirs) */
  extraDirs?: readonly string[];
  /** roots that may hold usr/sbin/rsyslogd (default: / and /opt/rsyslog) */
  rsyslogRoots?: readonly string[];
}

function peerPresent(name: PeerName, where: PeerLookup): boolean {
  const find = (prog: string): boolean => which(prog, where.path, where.extraDirs) !== undefined;
  switch (name) {
    case 'syslog-ng':
      return where.path === undefined && process.env.SYSLOG_NG_BIN !== undefined ? isExecutable(process.env.SYSLOG_NG_BIN) : find('syslog-ng');
    case 'loggen':
    case 'openssl':
    case 'iconv':
      return find(name);
    default: {
      const bin = where.rsyslogRoots === undefined ? rsyslogdBin() : rsyslogdBin(where.rsyslogRoots);
      // explicit undefined would select rsyslogModDir's default, the real rsyslogd
      const mod = bin === undefined ? undefined : rsyslogModDir(bin);
      if (mod === undefined) return false;
      return name === 'rsyslog' || existsSync(join(mod, `lmnsd_${name.slice('rsyslog-'.length)}.so`));
    }
  }
}

const PEER_DESCRIPTION: Record<PeerName, string> = {
  'syslog-ng': 'syslog-ng (Debian package syslog-ng-core)',
  loggen: 'loggen (Debian package syslog-ng-core)',
  openssl: 'openssl (Debian package openssl)',
  iconv: 'iconv (Debian package libc-bin)',
  rsyslog: 'rsyslogd (Debian package rsyslog, unpacked into /opt/rsyslog)',
  'rsyslog-ossl': "rsyslog's OpenSSL driver lmnsd_ossl.so (Debian package rsyslog-openssl)",
  'rsyslog-gtls': "rsyslog's GnuTLS driver lmnsd_gtls.so (Debian package rsyslog-gnutls)",
};

/** The peers of `names` that are not installed. */
export function missingPeers(names: readonly PeerName[], where: PeerLookup = {}): PeerName[] {
  return names.filter((n) => !peerPresent(n, where));
}

/** The failure text for missing peers: what is missing and how to install it. */
export function missingPeersMessage(missing: readonly PeerName[]): string {
  return `required test peer${missing.length > 1 ? 's' : ''} not installed: ${missing.map((m) => PEER_DESCRIPTION[m]).join('; ')}. ` +
    `${INSTALL_HINT}. Outside CI, LOGFERRY_SKIP_INTEROP=1 skips the tests that need them instead.`;
}

/** Throws (failing the test that called it) unless every peer of `names` is installed. */
export function requirePeers(...names: PeerName[]): void {
  const missing = missingPeers(names);
  if (missing.length > 0) throw new Error(missingPeersMessage(missing));
}

/**
 * Value for node:test's `skip` option. A missing peer never skips silently: the value is false,
 * the test runs and fails in `requirePeers` (called by every helper that starts a peer) with the
 * install command. Only a developer's explicit LOGFERRY_SKIP_INTEROP=1 turns a missing peer into
 * a skip with a reason, and never under CI or the README's test command (scripts/test.sh).
 */
export function skipUnlessPeers(...names: PeerName[]): string | false {
  return peerSkip(names, process.env);
}

/** skipUnlessPeers with the environment and lookup as parameters (for its own tests). */
export function peerSkip(names: readonly PeerName[], env: NodeJS.ProcessEnv, where: PeerLookup = {}): string | false {
  if (env.LOGFERRY_SKIP_INTEROP !== '1' || isCi(env)) return false;
  const missing = missingPeers(names, where);
  return missing.length === 0 ? false : `LOGFERRY_SKIP_INTEROP=1 and ${missing.join(', ')} not installed`;
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

// ---------------------------------------------------------------------------------------------
// Temp dirs

/** A fresh temp dir; `remove()` deletes it unless LOGFERRY_KEEP_TMP=1 (for post-mortems). */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    path,
    remove() {
      if (process.env.LOGFERRY_KEEP_TMP === '1') return;
      // never throws: it runs in t.after hooks, and a throwing hook skips the hooks after it (the one
      // that stops a daemon still writing here, e.g. its pidfile: ENOTEMPTY), which would leak that
      // daemon and hang the test file on its open stderr pipe
      try {
        rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      } catch (err) {
        process.stderr.write(`note: temporary directory ${path} left behind: ${(err as Error).message}\n`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const STDERR_KEEP = 256 * 1024;
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

/** Last-resort cleanup: a test that crashed must not leave daemons behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export interface SpawnOptions {
  /** short name for messages, e.g. "syslog-ng receiver" */
  name: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdin: 'ignore' (default) or 'pipe' (then use `.child.stdin`) */
  stdin?: 'ignore' | 'pipe';
  /** keep stdout text too (default: discarded) */
  captureStdout?: boolean;
}

/**
 * A child process we started, with its stderr (tail) kept for failure messages and a stop that
 * escalates from SIGTERM to SIGKILL. `stop()` is idempotent.
 */
export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private errText = '';
  private outText = '';
  private readonly stderrListeners = new Set<() => void>();

  constructor(cmd: string, args: string[], opts: SpawnOptions) {
    this.name = opts.name;
    const stdio: StdioOptions = [opts.stdin ?? 'ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'];
    this.child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio });
    if (this.child.pid === undefined) {
      // spawn failures (ENOENT) surface on 'error'; give a pid-less object a clear failure
      this.pid = -1;
    } else {
      this.pid = this.child.pid;
    }
    this.exited = new Promise<ExitInfo>((res) => {
      this.child.once('error', (err) => {
        this.errText += `\n[spawn error] ${err.message}`;
        this.exitInfo ??= { code: null, signal: null };
        res(this.exitInfo);
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        res(this.exitInfo);
      });
    });
    this.child.stderr?.setEncoding('latin1');
    this.child.stderr?.on('data', (d: string) => {
      this.errText += d;
      if (this.errText.length > STDERR_KEEP) this.errText = this.errText.slice(-STDERR_KEEP);
      for (const l of this.stderrListeners) l();
    });
    if (opts.captureStdout) {
      this.child.stdout?.setEncoding('latin1');
      this.child.stdout?.on('data', (d: string) => {
        this.outText += d;
        if (this.outText.length > STDERR_KEEP) this.outText = this.outText.slice(-STDERR_KEEP);
      });
    }
    installExitHook();
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  get stderr(): string {
    return this.errText;
  }
  get stdout(): string {
    return this.outText;
  }
  get running(): boolean {
    return this.exitInfo === undefined && this.pid > 0;
  }

  /** Last `n` lines of stderr, indented, for error messages. */
  stderrTail(n = 30): string {
    const lines = this.errText.trimEnd().split('\n');
    return lines.slice(-n).map((l) => `    ${l}`).join('\n') || '    (no stderr output)';
  }

  /** Resolves when stderr contains a line matching `re`; rejects on exit or timeout. */
  waitForStderr(re: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((res, rej) => {
      const check = (): boolean => {
        const m = re.exec(this.errText);
        if (m) {
          done();
          res(m[0]);
          return true;
        }
        return false;
      };
      const onExit = (): void => {
        if (check()) return;
        done();
        rej(new Error(`${this.name} (pid ${this.pid}) exited (${fmtExit(this.exitInfo)}) before printing ${re}; stderr:\n${this.stderrTail()}`));
      };
      const timer = setTimeout(() => {
        done();
        rej(new Error(`${this.name} (pid ${this.pid}) did not print ${re} within ${timeoutMs} ms; stderr:\n${this.stderrTail()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.stderrListeners.delete(check);
        this.child.off('exit', onExit);
      };
      if (check()) return;
      if (!this.running) {
        onExit();
        return;
      }
      this.stderrListeners.add(check);
      this.child.once('exit', onExit);
    });
  }

  /** SIGTERM, then SIGKILL if still alive after `graceMs`. Resolves with the exit status. */
  async stop(graceMs = 5000): Promise<ExitInfo> {
    if (this.running) {
      signal(this.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<'timeout'>((res) => {
        timer = setTimeout(() => res('timeout'), graceMs);
      });
      const r = await Promise.race([this.exited, killed]);
      clearTimeout(timer);
      if (r === 'timeout') {
        signal(this.pid, 'SIGKILL');
        await this.exited;
      }
    }
    return this.exited;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited between the check and the kill
  }
}

export function fmtExit(e: ExitInfo | undefined): string {
  if (e === undefined) return 'running';
  return e.signal !== null ? `signal ${e.signal}` : `exit code ${e.code}`;
}

/** Run a command to completion (bounded by `timeoutMs`), collecting its output. */
export async function runToExit(
  cmd: string,
  args: string[],
  opts: { name: string; timeoutMs: number; env?: NodeJS.ProcessEnv; input?: Buffer | string; cwd?: string },
): Promise<{ exit: ExitInfo; stdout: string; stderr: string }> {
  const p = new ManagedProcess(cmd, args, {
    name: opts.name,
    env: opts.env,
    cwd: opts.cwd,
    stdin: opts.input !== undefined ? 'pipe' : 'ignore',
    captureStdout: true,
  });
  if (opts.input !== undefined) {
    p.child.stdin?.on('error', () => {}); // EPIPE when the child exits early: reported via exit
    p.child.stdin?.end(opts.input);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => res('timeout'), opts.timeoutMs);
  });
  const r = await Promise.race([p.exited, timedOut]);
  clearTimeout(timer);
  if (r === 'timeout') {
    await p.stop(1000);
    throw new Error(`${opts.name} did not finish within ${opts.timeoutMs} ms; stderr:\n${p.stderrTail()}`);
  }
  return { exit: r, stdout: p.stdout, stderr: p.stderr };
}

// ---------------------------------------------------------------------------------------------
// Readiness

/** One TCP connect attempt; true if accepted. The socket is closed at once. */
function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      res(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      res(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      s.destroy();
      res(false);
    });
  });
}

const POLL_MS = 25;

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Poll-connect until `host:port` accepts, at most `timeoutMs` and a bounded number of tries.
 * If `proc` exits meanwhile, fail at once with its stderr.
 */
export async function waitForPort(host: string, port: number, timeoutMs: number, proc?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const maxTries = Math.ceil(timeoutMs / POLL_MS) + 1;
  for (let i = 0; i < maxTries && Date.now() < deadline; i++) {
    if (proc !== undefined && !proc.running) {
      await proc.exited;
      throw new Error(`${proc.name} (pid ${proc.pid}) exited (${fmtExit(proc.exitInfo)}) before listening on ${host}:${port}; stderr:\n${proc.stderrTail()}`);
    }
    if (await tryConnect(host, port, Math.max(50, Math.min(500, deadline - Date.now())))) return;
    await delay(POLL_MS);
  }
  const who = proc !== undefined ? `${proc.name} (pid ${proc.pid}) ` : '';
  throw new Error(`${who}not listening on ${host}:${port} after ${timeoutMs} ms` +
    (proc !== undefined ? `; stderr:\n${proc.stderrTail()}` : ''));
}

// ---------------------------------------------------------------------------------------------
// Waiting for output files

/**
 * Calls `check()` whenever `file` may have changed (fs.watch on its directory, with a bounded
 * polling fallback because inotify misses events on some filesystems) until it returns a value
 * other than undefined, or fails after `timeoutMs` with `describe()`'s text.
 */
export async function watchUntil<T>(
  file: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, () => wake?.());
  } catch {
    watcher = undefined; // directory missing: polling only
  }
  try {
    // checks are at least MIN_GAP_MS apart, so the round count is bounded by the deadline even
    // when the writer fires a change event per write
    const MIN_GAP_MS = 10;
    const maxRounds = Math.ceil(timeoutMs / MIN_GAP_MS) + 2;
    for (let i = 0; i < maxRounds; i++) {
      const started = Date.now();
      const v = await check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((res) => {
        let t = setTimeout(res, Math.min(left, 100));
        wake = () => {
          wake = undefined;
          clearTimeout(t);
          t = setTimeout(res, Math.max(0, MIN_GAP_MS - (Date.now() - started)));
        };
      });
      wake = undefined;
    }
    throw new Error(await describe());
  } finally {
    watcher?.close();
  }
}

/** Incremental reader of a growing file. */
export class FileTail {
  readonly path: string;
  private offset = 0;
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Reads what was appended since the last call; returns the number of new bytes. */
  async poll(): Promise<number> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return 0;
    }
    try {
      let got = 0;
      for (let i = 0; i < 100_000; i++) {
        const buf = Buffer.allocUnsafe(1 << 20);
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.chunks.push(buf.subarray(0, bytesRead));
        this.offset += bytesRead;
        this.size += bytesRead;
        got += bytesRead;
      }
      return got;
    } finally {
      await fh.close();
    }
  }

  contents(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }
}

function countByte(buf: Buffer, byte: number, from: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte, from); i !== -1; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

function summarize(lines: string[], total: number): string {
  if (total === 0) return '  (nothing arrived)';
  const show = (ls: string[]): string => ls.map((l) => `  | ${JSON.stringify(l).slice(1, -1).slice(0, 200)}`).join('\n');
  if (lines.length <= 10) return show(lines);
  return `${show(lines.slice(0, 5))}\n  | ... (${lines.length - 10} more)\n${show(lines.slice(-5))}`;
}

/**
 * Waits until `file` holds at least `n` newline-terminated lines and returns them (without the
 * newline, decoded latin1 so bytes survive). On timeout the error lists what did arrive.
 */
export async function waitForLines(file: string, n: number, timeoutMs: number): Promise<string[]> {
  const tail = new FileTail(file);
  let lines = 0;
  let scanned = 0;
  const split = (): string[] => {
    const text = tail.contents().toString('latin1');
    const all = text.split('\n');
    all.pop(); // unterminated remainder
    return all;
  };
  return watchUntil(
    file,
    async () => {
      await tail.poll();
      const buf = tail.contents();
      lines += countByte(buf, 0x0a, scanned);
      scanned = buf.length;
      return lines >= n ? split() : undefined;
    },
    timeoutMs,
    async () => {
      await tail.poll();
      const got = split();
      return `waitForLines: ${file} has ${got.length} of ${n} expected lines after ${timeoutMs} ms; arrived:\n${summarize(got, got.length)}`;
    },
  );
}

/**
 * Waits until `file` contains `needle` (a string matched on the latin1 text); returns the whole
 * content at that moment.
 */
export async function waitForText(file: string, needle: string, timeoutMs: number): Promise<Buffer> {
  const tail = new FileTail(file);
  const pat = Buffer.from(needle, 'latin1');
  let from = 0;
  return watchUntil(
    file,
    async () => {
      await tail.poll();
      const buf = tail.contents();
      if (buf.indexOf(pat, Math.max(0, from - pat.length)) !== -1) return buf;
      from = buf.length;
      return undefined;
    },
    timeoutMs,
    async () => {
      await tail.poll();
      const got = tail.contents().toString('latin1').split('\n');
      return `waitForText: ${JSON.stringify(needle)} did not appear in ${file} within ${timeoutMs} ms ` +
        `(${tail.contents().length} bytes arrived); content:\n${summarize(got, got.length)}`;
    },
  );
}

/** The newline-terminated lines of `file` now (latin1, without the newline); [] if missing. */
export async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = (await readFile(file)).toString('latin1');
  } catch {
    return [];
  }
  const all = text.split('\n');
  all.pop(); // unterminated remainder
  return all;
}

/**
 * Waits for the line containing `marker` (a message the test sent after all the others, on the
 * same connection, so every earlier message is written before it) and returns every line up to
 * and including it. Callers assert the exact count: a duplicated or replayed message shows up as
 * an extra line, which "at least N lines arrived" would not notice.
 */
export async function waitForMarkerLine(file: string, marker: string, timeoutMs: number): Promise<string[]> {
  const tail = new FileTail(file);
  const pat = Buffer.from(marker, 'latin1');
  let scanned = 0;
  return watchUntil(
    file,
    async () => {
      await tail.poll();
      const buf = tail.contents();
      const at = buf.indexOf(pat, Math.max(0, scanned - pat.length));
      if (at === -1) {
        scanned = buf.length;
        return undefined;
      }
      const eol = buf.indexOf(0x0a, at);
      if (eol === -1) {
        scanned = at + pat.length; // the marker's line is still being written
        return undefined;
      }
      return buf.toString('latin1', 0, eol).split('\n');
    },
    timeoutMs,
    async () => {
      const got = await readLines(file);
      return `waitForMarkerLine: no complete line with ${JSON.stringify(marker)} in ${file} after ${timeoutMs} ms ` +
        `(${got.length} lines arrived):\n${summarize(got, got.length)}`;
    },
  );
}

/** Current number of newline characters in a file (0 if missing). */
export async function countLines(file: string): Promise<number> {
  try {
    return countByte(await readFile(file), 0x0a, 0);
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// syslog-ng and daemons that take syslog-ng's command line (logferry)

export interface DaemonOptions {
  /** configuration text, or a function of the work dir (to place output files inside it) */
  config: string | ((workdir: string) => string);
  /** name in messages, default the program */
  name?: string;
  /** ports on 127.0.0.1 that must accept connections before the daemon counts as started */
  readyPorts?: number[];
  /** or/and: a stderr line that must appear (e.g. /starting up/) */
  readyStderr?: RegExp;
  readyTimeoutMs?: number;
  /** TZ for the daemon (the differential tests pin both daemons to the same zone) */
  tz?: string;
  env?: NodeJS.ProcessEnv;
  /** add -v (connection open/close and TLS errors appear on stderr) */
  verbose?: boolean;
  /** use this dir instead of a fresh temp dir (it is not removed) */
  workdir?: string;
}

export interface DaemonHandle {
  readonly name: string;
  readonly pid: number;
  readonly workdir: string;
  readonly configPath: string;
  readonly process: ManagedProcess;
  /** everything the daemon printed on stderr so far */
  stderr(): string;
  /** SIGTERM, SIGKILL after `graceMs`; removes the temp work dir (unless LOGFERRY_KEEP_TMP=1) */
  stop(graceMs?: number): Promise<ExitInfo>;
}

/**
 * Starts a program that takes syslog-ng's flags (`-F -e -f CFG -p PID -R PERSIST -c CTL`) with its
 * own work dir: `command` (program and leading arguments, e.g. `node src/cli/main.ts`), then the
 * standard flags, then `trailingFlags` (syslog-ng's `--no-caps`).
 */
export async function startSyslogNgCompatible(command: string[], opts: DaemonOptions, trailingFlags: string[] = []): Promise<DaemonHandle> {
  const own = opts.workdir === undefined ? tempDir('lf-daemon') : undefined;
  const workdir = opts.workdir ?? own!.path;
  const configPath = join(workdir, 'daemon.conf');
  const text = typeof opts.config === 'function' ? opts.config(workdir) : opts.config;
  writeFileSync(configPath, text);
  const args = [
    ...command.slice(1), '-F', '-e', '-f', configPath,
    '-p', join(workdir, 'daemon.pid'), '-R', join(workdir, 'daemon.persist'), '-c', join(workdir, 'daemon.ctl'),
    ...trailingFlags,
  ];
  if (opts.verbose) args.push('-v');
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.tz !== undefined) env.TZ = opts.tz;
  const name = opts.name ?? command[0]!.split('/').pop()!;
  const proc = new ManagedProcess(command[0]!, args, { name, env, cwd: workdir });
  const handle: DaemonHandle = {
    name,
    pid: proc.pid,
    workdir,
    configPath,
    process: proc,
    stderr: () => proc.stderr,
    async stop(graceMs = 5000) {
      const e = await proc.stop(graceMs);
      own?.remove();
      return e;
    },
  };
  try {
    const timeout = opts.readyTimeoutMs ?? 15_000;
    if (opts.readyStderr !== undefined) await proc.waitForStderr(opts.readyStderr, timeout);
    for (const port of opts.readyPorts ?? []) await waitForPort('127.0.0.1', port, timeout, proc);
    if (!proc.running) {
      await proc.exited;
      throw new Error(`${name} exited (${fmtExit(proc.exitInfo)}) right after start; stderr:\n${proc.stderrTail()}`);
    }
  } catch (err) {
    await proc.stop(1000);
    const msg = (err as Error).message;
    own?.remove();
    throw new Error(`${msg}\n  config ${configPath}:\n${numbered(text)}`);
  }
  return handle;
}

function numbered(text: string): string {
  return text.split('\n').map((l, i) => `    ${String(i + 1).padStart(3)}  ${l}`).join('\n');
}

/**
 * Starts the real syslog-ng. Ready when every `readyPorts` port accepts a connection, or (no
 * ports: a pure sender) when it printed "syslog-ng starting up".
 */
export async function startSyslogNg(opts: DaemonOptions): Promise<DaemonHandle> {
  requirePeers('syslog-ng');
  const bin = syslogNgBin()!;
  const readyStderr = opts.readyStderr ?? ((opts.readyPorts?.length ?? 0) === 0 ? /syslog-ng starting up/ : undefined);
  return startSyslogNgCompatible([bin], { name: 'syslog-ng', ...opts, readyStderr }, ['--no-caps']);
}

// ---------------------------------------------------------------------------------------------
// syslog-ng configuration snippets

/** A syslog-ng string literal (double quoted, backslash escapes). */
export function sngString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

export type PeerVerify = 'required-trusted' | 'required-untrusted' | 'optional-trusted' | 'optional-untrusted';

/** A `tls(...)` block. */
export function sngTls(o: { keyFile?: string; certFile?: string; caDir?: string; caFile?: string; peerVerify: PeerVerify; extra?: string }): string {
  const parts: string[] = [];
  if (o.keyFile !== undefined) parts.push(`key-file(${sngString(o.keyFile)})`);
  if (o.certFile !== undefined) parts.push(`cert-file(${sngString(o.certFile)})`);
  if (o.caDir !== undefined) parts.push(`ca-dir(${sngString(o.caDir)})`);
  if (o.caFile !== undefined) parts.push(`ca-file(${sngString(o.caFile)})`);
  parts.push(`peer-verify(${o.peerVerify})`);
  if (o.extra !== undefined) parts.push(o.extra);
  return `tls(${parts.join(' ')})`;
}

/** Global options both daemons get in the interop tests: no DNS, keep what the sender said. */
export const SNG_TEST_OPTIONS = 'stats-freq(0); keep-hostname(yes); chain-hostnames(no); use-dns(no); use-fqdn(no); dns-cache(no); keep-timestamp(yes);';

// ---------------------------------------------------------------------------------------------
// PKI

/** Paths inside a mkcerts.sh PKI directory. */
export interface Pki {
  dir: string;
  caFile: string;
  caDir: string;
  serverCert: string;
  serverKey: string;
  client1Cert: string;
  client1Key: string;
  client2Cert: string;
  client2Key: string;
}

export function pkiPaths(dir: string): Pki {
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caDir: join(dir, 'ca.d'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    client1Cert: join(dir, 'client1.pem'),
    client1Key: join(dir, 'client1.key'),
    client2Cert: join(dir, 'client2.pem'),
    client2Key: join(dir, 'client2.key'),
  };
}

/** Builds the test PKI into `dir` with scripts/peers/mkcerts.sh (KEY_ALG rsa or ec). */
export async function makePki(dir: string, keyAlg: 'rsa' | 'ec' = 'ec'): Promise<Pki> {
  requirePeers('openssl');
  const script = peersScript('mkcerts.sh');
  const r = await runToExit('bash', [script, dir], {
    name: 'mkcerts.sh',
    timeoutMs: 60_000,
    env: { ...process.env, KEY_ALG: keyAlg },
  });
  if (r.exit.code !== 0 || !existsSync(join(dir, '.mkcerts-complete'))) {
    throw new Error(`mkcerts.sh ${dir} failed (${fmtExit(r.exit)}):\n${r.stderr}`);
  }
  return pkiPaths(dir);
}

// ---------------------------------------------------------------------------------------------
// rsyslog

export interface RsyslogOptions {
  config: string | ((workdir: string) => string);
  name?: string;
  readyPorts: number[];
  readyTimeoutMs?: number;
  tz?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts rsyslogd -n with its own work dir (pid file, workDirectory). The config should send
 * rsyslog's own messages somewhere in the work dir (see `rsyslogInternalLog`); its text is added
 * to startup failure messages.
 */
export async function startRsyslog(opts: RsyslogOptions): Promise<DaemonHandle> {
  requirePeers('rsyslog');
  const bin = rsyslogdBin()!;
  const mod = rsyslogModDir(bin)!;
  const dir = tempDir('lf-rsyslog');
  const workdir = dir.path;
  const configPath = join(workdir, 'rsyslog.conf');
  const text = typeof opts.config === 'function' ? opts.config(workdir) : opts.config;
  writeFileSync(configPath, text);
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.tz !== undefined) env.TZ = opts.tz;
  const name = opts.name ?? 'rsyslogd';
  const proc = new ManagedProcess(bin, ['-n', '-f', configPath, '-i', join(workdir, 'rsyslogd.pid'), '-M', mod], { name, env, cwd: workdir });
  const handle: DaemonHandle = {
    name,
    pid: proc.pid,
    workdir,
    configPath,
    process: proc,
    stderr: () => proc.stderr + internalLog(workdir),
    async stop(graceMs = 5000) {
      const e = await proc.stop(graceMs);
      dir.remove();
      return e;
    },
  };
  try {
    for (const port of opts.readyPorts) await waitForPort('127.0.0.1', port, opts.readyTimeoutMs ?? 15_000, proc);
  } catch (err) {
    await proc.stop(1000);
    const il = internalLog(workdir);
    dir.remove();
    throw new Error(`${(err as Error).message}\n  internal.log:\n${il}\n  config ${configPath}:\n${numbered(text)}`);
  }
  return handle;
}

function internalLog(workdir: string): string {
  const r = spawnSync('tail', ['-n', '30', join(workdir, 'internal.log')], { encoding: 'latin1' });
  return r.status === 0 ? r.stdout : '';
}

/** The config lines that send rsyslog's own messages to `<workdir>/internal.log`. */
export function rsyslogInternalLog(workdir: string): string {
  return `*.* action(type="omfile" file="${workdir}/internal.log")`;
}

export type RsyslogDriver = 'ossl' | 'gtls';

/**
 * rsyslog TLS (or plain) imtcp receiver → omfile with `template` (an rsyslog string template,
 * e.g. `%msg%\n`). imtcp accepts octet counting and newline framing on the same port.
 * Mutual = x509/certvalid (client cert required and verified), else anon.
 */
export function rsyslogReceiverConfig(o: {
  workdir: string;
  port: number;
  outFile: string;
  template: string;
  tls?: { driver: RsyslogDriver; mutual: boolean; pki: Pki };
}): string {
  const g = [`workDirectory="${o.workdir}"`, 'net.enableDNS="off"'];
  let mod = 'module(load="imtcp")';
  if (o.tls !== undefined) {
    g.push(`DefaultNetstreamDriver="${o.tls.driver}"`, `DefaultNetstreamDriverCAFile="${o.tls.pki.caFile}"`,
      `DefaultNetstreamDriverCertFile="${o.tls.pki.serverCert}"`, `DefaultNetstreamDriverKeyFile="${o.tls.pki.serverKey}"`);
    mod = `module(load="imtcp" StreamDriver.Name="${o.tls.driver}" StreamDriver.Mode="1" StreamDriver.AuthMode="${o.tls.mutual ? 'x509/certvalid' : 'anon'}")`;
  }
  return [
    `global(${g.join(' ')})`,
    mod,
    `template(name="t_out" type="string" string="${rsyslogEscape(o.template)}")`,
    'ruleset(name="r_in") {',
    `  action(type="omfile" file="${o.outFile}" template="t_out")`,
    '}',
    `input(type="imtcp" address="127.0.0.1" port="${o.port}" ruleset="r_in")`,
    rsyslogInternalLog(o.workdir),
    '',
  ].join('\n');
}

/**
 * rsyslog forwarder: a private plain imtcp input on `inPort` (feed it lines) → omfwd to
 * 127.0.0.1:`port`, RFC 5425 octet counting with RFC 5424 format, or newline framing with the
 * traditional forward format. The server is checked with x509/name against "localhost"; with
 * `clientCert` false no client certificate is presented (server-auth only).
 */
export function rsyslogForwarderConfig(o: {
  workdir: string;
  inPort: number;
  port: number;
  framing: 'octet' | 'newline';
  tls?: { driver: RsyslogDriver; pki: Pki; clientCert: boolean };
}): string {
  const g = [`workDirectory="${o.workdir}"`, 'net.enableDNS="off"'];
  let streamOpts = '';
  if (o.tls !== undefined) {
    g.push(`DefaultNetstreamDriver="${o.tls.driver}"`, `DefaultNetstreamDriverCAFile="${o.tls.pki.caFile}"`);
    if (o.tls.clientCert) g.push(`DefaultNetstreamDriverCertFile="${o.tls.pki.client1Cert}"`, `DefaultNetstreamDriverKeyFile="${o.tls.pki.client1Key}"`);
    streamOpts = `StreamDriver="${o.tls.driver}" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost"`;
  }
  const framing = o.framing === 'octet' ? 'octet-counted' : 'traditional';
  const tmpl = o.framing === 'octet' ? 'RSYSLOG_SyslogProtocol23Format' : 'RSYSLOG_ForwardFormat';
  return [
    `global(${g.join(' ')})`,
    'module(load="imtcp")',
    'ruleset(name="fwd") {',
    `  action(type="omfwd" target="127.0.0.1" port="${o.port}" protocol="tcp" TCP_Framing="${framing}" template="${tmpl}" ${streamOpts}`,
    '         action.resumeRetryCount="-1" queue.type="LinkedList" queue.size="1000000")',
    '}',
    `input(type="imtcp" address="127.0.0.1" port="${o.inPort}" ruleset="fwd")`,
    rsyslogInternalLog(o.workdir),
    '',
  ].join('\n');
}

function rsyslogEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

// ---------------------------------------------------------------------------------------------
// Load and test senders

export interface LoggenOptions {
  host?: string;
  port: number;
  tls: boolean;
  /** RFC 5424 + octet counting (-P), else BSD lines */
  syslogProto: boolean;
  /** either a message count ... */
  number?: number;
  /** ... or a duration in seconds */
  interval?: number;
  size?: number;
  rate?: number;
  conns?: number;
  timeoutMs?: number;
}

export function loggenArgs(o: LoggenOptions): string[] {
  const a = ['--size', String(o.size ?? 300), '--rate', String(o.rate ?? 100_000_000), '--active-connections', String(o.conns ?? 1)];
  if (o.number !== undefined) a.push('--number', String(o.number));
  else a.push('--interval', String(o.interval ?? 10));
  a.push(...(o.tls ? ['--use-ssl'] : ['--inet', '--stream']));
  if (o.syslogProto) a.push('--syslog-proto');
  a.push(o.host ?? '127.0.0.1', String(o.port));
  return a;
}

/** Runs loggen to completion. `sent` is loggen's final count= value (0 if none printed). */
export async function runLoggen(o: LoggenOptions): Promise<{ exit: ExitInfo; sent: number; output: string }> {
  requirePeers('loggen');
  const bin = which('loggen')!;
  const limit = o.timeoutMs ?? ((o.interval ?? 60) * 1000 + 30_000);
  const r = await runToExit(bin, loggenArgs(o), { name: 'loggen', timeoutMs: limit });
  const out = r.stdout + r.stderr;
  const counts = [...out.matchAll(/count=(\d+)/g)];
  const sent = counts.length > 0 ? Number(counts[counts.length - 1]![1]) : 0;
  return { exit: r.exit, sent, output: out };
}

export interface SClientOptions {
  host?: string;
  port: number;
  caFile: string;
  /** client certificate and key (mutual auth); omit for server-auth only */
  cert?: string;
  key?: string;
  extraArgs?: string[];
}

export function sClientArgs(o: SClientOptions): string[] {
  const a = ['s_client', '-connect', `${o.host ?? '127.0.0.1'}:${o.port}`, '-CAfile', o.caFile, '-quiet', '-no_ign_eof', '-nocommands'];
  if (o.cert !== undefined) a.push('-cert', o.cert);
  if (o.key !== undefined) a.push('-key', o.key);
  return a.concat(o.extraArgs ?? []);
}

/**
 * Streams `payload` over TLS with `openssl s_client` (optionally presenting a client cert) and
 * waits for it to exit after stdin EOF.
 */
export async function sendWithSClient(o: SClientOptions & { payload: Buffer; timeoutMs?: number }): Promise<{ exit: ExitInfo; stderr: string }> {
  requirePeers('openssl');
  const r = await runToExit('openssl', sClientArgs(o), { name: 'openssl s_client', timeoutMs: o.timeoutMs ?? 60_000, input: o.payload });
  if (r.exit.code !== 0) {
    throw new Error(`openssl s_client to ${o.host ?? '127.0.0.1'}:${o.port} failed (${fmtExit(r.exit)}):\n${r.stderr}`);
  }
  return { exit: r.exit, stderr: r.stderr };
}

/** Writes `data` to 127.0.0.1:`port` over plain TCP and closes after everything was flushed. */
export function sendTcp(port: number, data: Buffer | string, timeoutMs = 30_000): Promise<void> {
  return new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      rej(new Error(`sendTcp to 127.0.0.1:${port}: not finished after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('error', (e) => {
      clearTimeout(t);
      rej(new Error(`sendTcp to 127.0.0.1:${port}: ${e.message}`));
    });
    s.once('connect', () => s.end(data));
    // resolved once the kernel has every byte; the peer closes its side when it sees our FIN
    s.once('finish', () => {
      clearTimeout(t);
      s.unref();
      res();
    });
  });
}

/** RFC 6587 octet-counted frame: `LEN SP MSG`. */
export function octetFrame(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${msg.length} `, 'latin1'), msg]);
}
