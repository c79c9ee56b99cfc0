/**
 * What a logferry-ack/1 receiver must remember so that a sender's resend
 * after a receiver kill is written once (docs/ack-transfer.md §Exactly-once):
 *
 *   - per sender id, W: the highest seq such that every record of that sender
 *     up to it that reached this receiver was written by every destination it
 *     went to. Records ≤ W are duplicates; the ack a sender gets never exceeds W.
 *   - per file() write carrying such records, an intent written BEFORE the
 *     bytes (file, offset before, length, sender seqs), and its completion
 *     after. At start, an intent without completion is settled from the file
 *     itself: all its bytes there ⇒ it happened (its seqs count as written to
 *     that file); none ⇒ it did not; part ⇒ the file is truncated back to the
 *     offset, so it did not. Completed intents above W tell the file() writer
 *     which resent records that file already holds (it skips them).
 *
 * Kill points for a record going to file F (no other writer of F):
 *   before the intent: nothing written, W unchanged → resent, written once.
 *   intent, write not or partly done: rolled back at start → resent, written once.
 *   write done, completion not recorded: rolled forward → resent, F skips it.
 *   completion recorded, W not: resent, F skips it (completed intent above W).
 *   W recorded, ack not sent: resent, dropped as ≤ W.
 * Every line is written with a plain write() before the step it guards; the
 * page cache survives the death of the process, so this holds for kill -9 and
 * crashes, not for power loss (nothing here is fsynced except compaction).
 *
 * The journal is JSON lines beside the persist file: a header, then
 *   {"w":[sender,W]}  {"i":id,"f":file,"o":offset,"n":length,"s":[[sender,[[lo,hi],…]],…]}
 *   {"c":id} (written)  {"x":id} (failed, rolled back).
 * It is rewritten whole (temporary file, fsync, rename) at start and when it grows.
 *
 * One ledger per process (module state, like core/stats.ts): the worker
 * installs it before building its drivers; sources and file() writers use it
 * when it is there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogMessage } from '../message/log-message.ts';
import { internalLog } from '../core/internal-log.ts';

export const ACK_JOURNAL_FORMAT = 'logferry-ack-journal';
export const ACK_JOURNAL_VERSION = 1;
/** rewritten once the journal is this large */
const COMPACT_AT = 8 * 1024 * 1024;

/** the file beside the persist file */
export function ackJournalPath(persistFile: string): string {
  return `${persistFile}.acks`;
}

// ---- which connection record a message came from --------------------------------------------

export interface AckOrigin {
  sender: string;
  seq: number;
}

const origins = new WeakMap<LogMessage, AckOrigin>();

export function setAckOrigin(msg: LogMessage, origin: AckOrigin): void {
  origins.set(msg, origin);
}

export function ackOriginOf(msg: LogMessage): AckOrigin | undefined {
  return origins.get(msg);
}

// ---- seq ranges ----------------------------------------------------------------------------

/** sorted, disjoint, inclusive */
type Ranges = Array<[number, number]>;

function toRanges(seqs: number[]): Ranges {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: Ranges = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], s);
    else out.push([s, s]);
  }
  return out;
}

function inRanges(r: Ranges, seq: number): boolean {
  let lo = 0;
  let hi = r.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (seq < r[mid][0]) hi = mid - 1;
    else if (seq > r[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

function maxOf(r: Ranges): number {
  return r.length === 0 ? -1 : r[r.length - 1][1];
}

// ---- the ledger ----------------------------------------------------------------------------

interface Intent {
  id: number;
  file: string;
  offset: number;
  length: number;
  seqs: Array<[string, Ranges]>;
}

interface SenderState {
  /** W (see the header) */
  written: number;
  /** W as last appended to the journal */
  saved: number;
  /** records routed and not yet written everywhere, ascending by seq, all > written */
  routed: Array<{ seq: number; done: boolean }>;
  listeners: Set<(written: number) => void>;
}

export type Admission = 'route' | 'duplicate';

export interface RecoveryReport {
  /** intents found open: their bytes were all in the file */
  rolledForward: number;
  /** intents found open: nothing of them in the file */
  notWritten: number;
  /** intents found open with part of their bytes in the file: truncated back */
  truncated: number;
}

export class AckLedger {
  readonly file: string;
  private fd: number;
  private size = 0;
  private nextId = 1;
  private readonly senders = new Map<string, SenderState>();
  /** writes begun and not ended (kept by a compaction) */
  private readonly open = new Map<number, Intent>();
  /** per file, per sender: records a file got before the last start and whose W has not reached them */
  private readonly held = new Map<string, Map<string, Ranges>>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private closed = false;
  readonly recovery: RecoveryReport;

  private constructor(file: string, fd: number, recovery: RecoveryReport) {
    this.file = file;
    this.fd = fd;
    this.recovery = recovery;
  }

  /**
   * Reads the journal, settles writes a kill interrupted (truncating a file
   * back when only part of a write reached it), and rewrites the journal
   * compacted. Throws an Error whose message says how to fix it when the
   * journal is not one this logferry reads.
   */
  static open(file: string): AckLedger {
    const { ws, intents, done } = readJournal(file);
    const recovery: RecoveryReport = { rolledForward: 0, notWritten: 0, truncated: 0 };
    const completed: Intent[] = [];
    for (const it of intents.values()) {
      if (done.get(it.id) === true) completed.push(it);
      else if (done.get(it.id) === undefined && settle(it, recovery)) completed.push(it);
    }
    const ledger = new AckLedger(file, -1, recovery);
    for (const [sender, w] of ws) ledger.state(sender, w);
    for (const it of completed) {
      for (const [sender, ranges] of it.seqs) {
        const w = ledger.state(sender).written;
        const above = ranges.filter((r) => r[1] > w).map((r): [number, number] => [Math.max(r[0], w + 1), r[1]]);
        if (above.length === 0) continue;
        let perFile = ledger.held.get(it.file);
        if (!perFile) ledger.held.set(it.file, (perFile = new Map()));
        perFile.set(sender, toRanges([...expand(perFile.get(sender) ?? []), ...expand(above)]));
      }
    }
    // no journal yet: none is made until an acknowledging connection needs one
    if (fs.existsSync(file)) ledger.rewrite();
    const r = recovery;
    if (r.rolledForward + r.notWritten + r.truncated > 0) {
      internalLog('notice', 'Acknowledged transfer: writes interrupted by the last stop were settled from the files', { journal: file, written: r.rolledForward, not_written: r.notWritten, truncated_back: r.truncated });
    }
    return ledger;
  }

  private state(sender: string, written = -1): SenderState {
    let s = this.senders.get(sender);
    if (!s) this.senders.set(sender, (s = { written, saved: written, routed: [], listeners: new Set() }));
    return s;
  }

  /** W for a sender (-1: nothing of it written yet) */
  highestWritten(sender: string): number {
    return this.senders.get(sender)?.written ?? -1;
  }

  /**
   * A record arrived. 'duplicate': written already (≤ W), or routed by an
   * earlier connection and not written yet (its ack follows W) — do not route it.
   */
  admit(sender: string, seq: number): Admission {
    const s = this.state(sender);
    if (seq <= s.written) return 'duplicate';
    const r = s.routed;
    if (r.length === 0 || seq > r[r.length - 1].seq) {
      r.push({ seq, done: false });
      return 'route';
    }
    // an earlier connection's records and this one's overlap: find the place
    const i = lowerBound(r, seq);
    if (i < r.length && r[i].seq === seq) return 'duplicate';
    r.splice(i, 0, { seq, done: false });
    return 'route';
  }

  /** every destination a routed record went to wrote it */
  completed(sender: string, seq: number): void {
    const s = this.senders.get(sender);
    if (!s) return;
    const r = s.routed;
    const i = lowerBound(r, seq);
    if (i >= r.length || r[i].seq !== seq) return;
    r[i].done = true;
    let n = 0;
    while (n < r.length && r[n].done) n++;
    if (n === 0) return;
    s.written = r[n - 1].seq;
    r.splice(0, n);
    this.dirty.add(sender);
    this.scheduleFlush();
  }

  /** `fn(W)` after each W of `sender` is in the journal; returns the unsubscribe */
  subscribe(sender: string, fn: (written: number) => void): () => void {
    const s = this.state(sender);
    s.listeners.add(fn);
    return () => s.listeners.delete(fn);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    // one journal line per sender per turn, however many records completed in it
    setImmediate(() => this.flush());
  }

  /** appends W of every sender that moved, then tells their connections (which ack) */
  flush(): void {
    this.flushScheduled = false;
    if (this.dirty.size === 0 || this.closed) return;
    const moved = [...this.dirty];
    this.dirty.clear();
    let text = '';
    for (const sender of moved) text += JSON.stringify({ w: [sender, this.senders.get(sender)!.written] }) + '\n';
    this.append(text);
    for (const sender of moved) {
      const s = this.senders.get(sender)!;
      s.saved = s.written;
      this.release(sender, s.written);
      for (const fn of s.listeners) fn(s.written);
    }
  }

  /** records ≤ W no longer need the per-file memory of the last start */
  private release(sender: string, w: number): void {
    for (const [file, perFile] of this.held) {
      const r = perFile.get(sender);
      if (!r || maxOf(r) > w) continue;
      perFile.delete(sender);
      if (perFile.size === 0) this.held.delete(file);
    }
  }

  /** whether any file holds records from before the last start that W has not reached (else no lookups are needed) */
  get holding(): boolean {
    return this.held.size > 0;
  }

  /** whether `file` got this record before the last start (a resend: the writer skips it) */
  alreadyWritten(file: string, sender: string, seq: number): boolean {
    const r = this.held.get(file)?.get(sender);
    return r !== undefined && inRanges(r, seq);
  }

  /** Before writing `length` bytes at `offset` of `file` (absolute) that carry these records. */
  beginWrite(file: string, offset: number, length: number, seqs: ReadonlyMap<string, number[]>): number {
    // the journal is made before this intent is known, so the intent goes in once
    if (this.fd < 0 && !this.closed) this.rewrite();
    const it: Intent = { id: this.nextId++, file, offset, length, seqs: [...seqs].map(([s, list]) => [s, toRanges(list)]) };
    this.open.set(it.id, it);
    this.append(JSON.stringify({ i: it.id, f: it.file, o: it.offset, n: it.length, s: it.seqs }) + '\n');
    return it.id;
  }

  /** After the write: `ok` when all its bytes are in the file, false when it failed and was rolled back. */
  endWrite(id: number, ok: boolean): void {
    if (!this.open.delete(id)) return;
    this.append(JSON.stringify(ok ? { c: id } : { x: id }) + '\n');
  }

  private append(text: string): void {
    if (this.closed) return;
    if (this.fd < 0) this.rewrite();
    fs.writeSync(this.fd, text);
    this.size += Buffer.byteLength(text);
    if (this.size > COMPACT_AT) this.rewrite();
  }

  /** the whole state as a new journal: temporary file, fsync, rename, then append to it */
  private rewrite(): void {
    const lines = [JSON.stringify({ format: ACK_JOURNAL_FORMAT, version: ACK_JOURNAL_VERSION })];
    for (const [sender, s] of this.senders) if (s.saved >= 0) lines.push(JSON.stringify({ w: [sender, s.saved] }));
    for (const [file, perFile] of this.held) {
      const id = this.nextId++;
      lines.push(JSON.stringify({ i: id, f: file, o: 0, n: 0, s: [...perFile] }), JSON.stringify({ c: id }));
    }
    for (const it of this.open.values()) lines.push(JSON.stringify({ i: it.id, f: it.file, o: it.offset, n: it.length, s: it.seqs }));
    const text = lines.join('\n') + '\n';
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    syncDir(path.dirname(this.file));
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.size = Buffer.byteLength(text);
  }

  /** the last W lines, then no more writes */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd >= 0) fs.closeSync(this.fd);
  }
}

function lowerBound(r: Array<{ seq: number }>, seq: number): number {
  let lo = 0;
  let hi = r.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function* expand(r: Ranges): Generator<number> {
  for (const [lo, hi] of r) for (let s = lo; s <= hi; s++) yield s;
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic
  }
}

/**
 * An intent the last run began and never ended, judged from its file: true
 * when all its bytes are there (it happened). Part of them: the file is cut
 * back to the offset (it did not). A file shorter than the offset was
 * replaced meanwhile (rotated): counted as not written, so the records are
 * written again rather than lost.
 */
function settle(it: Intent, r: RecoveryReport): boolean {
  let size: number;
  try {
    size = fs.statSync(it.file).size;
  } catch {
    r.notWritten++;
    return false;
  }
  if (size >= it.offset + it.length) {
    r.rolledForward++;
    return true;
  }
  if (size > it.offset) {
    fs.truncateSync(it.file, it.offset);
    r.truncated++;
    return false;
  }
  r.notWritten++;
  return false;
}

interface Journal {
  ws: Map<string, number>;
  intents: Map<number, Intent>;
  /** id → true (written) / false (failed) */
  done: Map<number, boolean>;
}

function readJournal(file: string): Journal {
  const j: Journal = { ws: new Map(), intents: new Map(), done: new Map() };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return j;
    throw new Error(`cannot read the acknowledged-transfer journal ${file} (${(err as NodeJS.ErrnoException).code}); make it readable by logferry`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return j;
  let head: { format?: unknown; version?: unknown } | undefined;
  try {
    head = JSON.parse(lines[0]);
  } catch {
    head = undefined;
  }
  if (head?.format !== ACK_JOURNAL_FORMAT) throw new Error(`${file} is not a logferry acknowledged-transfer journal; move it away (logferry keeps its journal beside the persist file)`);
  if (head.version !== ACK_JOURNAL_VERSION) throw new Error(`${file} has journal version ${JSON.stringify(head.version)}, this logferry reads version ${ACK_JOURNAL_VERSION}; run the logferry that wrote it, or move the file away (already written records may then be written again)`);
  for (let i = 1; i < lines.length; i++) {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(lines[i]);
    } catch {
      // only the last line can be cut short (a kill in the middle of a write): it guarded nothing that happened
      if (i === lines.length - 1) break;
      throw new Error(`${file} line ${i + 1} is not valid JSON; the journal is damaged: move it away (already written records may then be written again)`);
    }
    if (Array.isArray(rec.w)) j.ws.set(String(rec.w[0]), Math.max(j.ws.get(String(rec.w[0])) ?? -1, Number(rec.w[1])));
    else if (typeof rec.i === 'number') j.intents.set(rec.i, { id: rec.i, file: String(rec.f), offset: Number(rec.o), length: Number(rec.n), seqs: rec.s as Intent['seqs'] });
    else if (typeof rec.c === 'number') j.done.set(rec.c, true);
    else if (typeof rec.x === 'number') j.done.set(rec.x, false);
  }
  return j;
}

// ---- the process's ledger ------------------------------------------------------------------

let current: AckLedger | undefined;

/** The worker installs the ledger (undefined: this process acknowledges nothing) before building drivers. */
export function installAckLedger(ledger: AckLedger | undefined): void {
  current = ledger;
}

export function currentAckLedger(): AckLedger | undefined {
  return current;
}
