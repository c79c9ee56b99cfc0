/**
 * The systemd journal, read through `journalctl -o json --follow` in a child
 * process: no libsystemd binding is needed, and the child's pipe is read by
 * the event loop (epoll), never by libuv's thread pool. Each entry becomes a
 * message as AxoSyslog 4.27's systemd-journal() makes it: MESSAGE, _HOSTNAME
 * as HOST, _PID as PID, SYSLOG_IDENTIFIER (else _COMM) as PROGRAM, PRIORITY
 * and SYSLOG_FACILITY as PRI (default local0.notice), every field also as
 * `.journald.FIELD`, ${TRANSPORT} `local+journal`. match-boot(yes) as system()
 * writes it: only this boot's entries (-b).
 *
 * The cursor of the last entry acknowledged in order is what the persist file
 * keeps (name `systemd-journal`, as 4.27); a restart continues after it
 * (--after-cursor), so nothing is read twice or skipped. Without a saved
 * cursor the whole boot is read, as 4.27's read-old-records default.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { internalLog } from '../core/internal-log.ts';
import { LogMessage, nowTimestamp, type Timestamp } from '../message/log-message.ts';
import type { Route } from '../pipeline/types.ts';

export const JOURNAL_PERSIST_NAME = 'systemd-journal';
const PREFIX = '.journald.';
/** LOG_LOCAL0 | LOG_NOTICE, 4.27's default for entries without PRIORITY */
const DEFAULT_PRI = (16 << 3) | 5;
/** entries routed but not yet acknowledged before the child's output is paused */
const WINDOW = 100;
/** seconds before a journalctl that exited is started again */
const RESTART_DELAY_MS = 10_000;

export interface JournalOptions {
  journalctl: string;
  sourceName: string;
  hostname: string;
  tags: readonly string[];
}

/** a journal field's value: text, bytes (an array of numbers) or several values (the last one counts) */
function fieldText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return Buffer.from(v as number[]).toString('utf8');
    return fieldText(v[v.length - 1]);
  }
  return undefined;
}

function stampOf(usecText: string | undefined): Timestamp {
  const usec = usecText === undefined ? NaN : Number(usecText);
  if (!Number.isFinite(usec)) return nowTimestamp();
  const sec = Math.floor(usec / 1e6);
  return { sec, usec: usec % 1e6, gmtoff: -new Date(sec * 1000).getTimezoneOffset() * 60 };
}

/** One journal entry (journalctl's JSON object) as a message. */
export function journalMessage(entry: Record<string, unknown>, o: Pick<JournalOptions, 'sourceName' | 'hostname' | 'tags'>): LogMessage {
  const msg = new LogMessage(nowTimestamp());
  msg.pri = DEFAULT_PRI;
  for (const [key, raw] of Object.entries(entry)) {
    // __CURSOR, __REALTIME_TIMESTAMP…: journalctl's own, not fields of the entry
    if (key.startsWith('__')) continue;
    const v = fieldText(raw);
    if (v === undefined) continue;
    msg.values.set(PREFIX + key, v);
    if (key === 'MESSAGE') msg.message = v;
    else if (key === '_HOSTNAME') msg.host = v;
    else if (key === '_PID') msg.pid = v;
    else if (key === 'SYSLOG_FACILITY') msg.pri = (msg.pri & 7) | ((Number.parseInt(v, 10) || 0) << 3);
    else if (key === 'PRIORITY') msg.pri = (msg.pri & ~7) | ((Number.parseInt(v, 10) || 0) & 7);
  }
  msg.program = msg.values.get(PREFIX + 'SYSLOG_IDENTIFIER') || msg.values.get(PREFIX + '_COMM') || '';
  if (msg.host === '') msg.host = o.hostname;
  msg.stamp = stampOf(fieldText(entry.__REALTIME_TIMESTAMP));
  msg.msgformat = 'journal';
  msg.values.set('TRANSPORT', 'local+journal');
  msg.sourceName = o.sourceName;
  for (const t of o.tags) msg.setTag(t);
  return msg;
}

/** consecutive acknowledgements: the cursor to keep is that of the last entry before the first unacknowledged one */
class CursorTracker {
  committed: string | undefined;
  private readonly open: Array<{ cursor: string; done: boolean }> = [];

  get pending(): number {
    return this.open.length;
  }

  routed(cursor: string): () => void {
    const e = { cursor, done: false };
    this.open.push(e);
    return () => {
      e.done = true;
      while (this.open.length > 0 && this.open[0].done) this.committed = this.open.shift()!.cursor;
    };
  }
}

export class JournalReader {
  private readonly o: JournalOptions;
  private child: ChildProcess | undefined;
  private readonly tracker = new CursorTracker();
  /** the last entry handed on: a restarted journalctl continues after it, acknowledged or not */
  private lastRouted: string | undefined;
  private partial = '';
  private paused = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private route: Route | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(o: JournalOptions) {
    this.o = o;
  }

  resume(cursor: string): void {
    this.tracker.committed = cursor;
    this.lastRouted = cursor;
  }

  get cursor(): string | undefined {
    return this.tracker.committed;
  }

  /** the journalctl arguments for where reading continues */
  args(): string[] {
    const a = ['-o', 'json', '--follow', '--no-pager', '-b'];
    a.push(this.lastRouted !== undefined ? `--after-cursor=${this.lastRouted}` : '--lines=all');
    return a;
  }

  start(route: Route): void {
    this.route = route;
    this.spawn();
  }

  private spawn(): void {
    if (this.stopped) return;
    this.partial = '';
    const c = spawn(this.o.journalctl, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = c;
    let err = '';
    c.stderr!.setEncoding('utf8');
    c.stderr!.on('data', (t: string) => {
      if (err.length < 1000) err += t;
    });
    c.stdout!.setEncoding('utf8');
    c.stdout!.on('data', (t: string) => this.onText(t));
    this.exited = new Promise((resolve) => {
      c.once('error', (e) => {
        internalLog('error', 'Cannot start journalctl for system(); install systemd\'s journalctl or set LOGFERRY_SYSTEM_DEVLOG to read /dev/log instead', { journalctl: this.o.journalctl, error: e.message });
        resolve();
      });
      c.once('close', (code, signal) => {
        if (this.child === c) this.child = undefined;
        if (!this.stopped) {
          internalLog('error', 'journalctl exited; restarting it after 10 s', { journalctl: this.o.journalctl, code: code ?? '', signal: signal ?? '', stderr: err.trim().split('\n')[0] ?? '' });
          this.timer = setTimeout(() => this.spawn(), RESTART_DELAY_MS);
          this.timer.unref();
        }
        resolve();
      });
    });
  }

  private onText(t: string): void {
    let text = this.partial + t;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (line.trim() !== '') this.onLine(line);
    }
    this.partial = text;
  }

  private onLine(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      internalLog('warning', 'journalctl wrote a line that is not JSON; skipped', { line: line.slice(0, 200) });
      return;
    }
    const cursor = typeof entry.__CURSOR === 'string' ? entry.__CURSOR : undefined;
    const msg = journalMessage(entry, this.o);
    if (cursor === undefined) {
      this.route!(msg);
      return;
    }
    this.lastRouted = cursor;
    const settled = this.tracker.routed(cursor);
    this.route!(msg, () => {
      settled();
      if (this.paused && this.tracker.pending <= WINDOW / 2) {
        this.paused = false;
        this.child?.stdout?.resume();
      }
    });
    // flow control: stop reading journalctl's output while the destinations are behind
    if (!this.paused && this.tracker.pending >= WINDOW) {
      this.paused = true;
      this.child?.stdout?.pause();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await this.exited;
  }
}
