/**
 * A crash-safe disk buffer: one directory of segment files (format.ts) and an
 * acknowledgement cursor. One owner at a time (lock.ts).
 *
 * Writing: `append` decides at once (synchronously) whether the record fits
 * under `maxBytes` — the caller gets `null` (full) or the record's sequence
 * number and a promise that settles when it is durable. Records appended
 * while a write is in flight form the next batch: one write and, when
 * `reliable`, one fsync per batch (group commit), so a thousand producers
 * pay for one sync. fsync runs in a worker thread (syncer.ts), off the libuv
 * pool. With `reliable: false` nothing is synced: a crash of the process
 * loses nothing written (the kernel has it), a crash of the machine may.
 *
 * Segments rotate at `segmentBytes` (a segment always takes at least one
 * record). A new directory entry is synced with the directory (reliable).
 * After a restart writing always starts a new segment, never appending after
 * a cut.
 *
 * Reading: `read` returns the next records after the cursor, in order,
 * checking every checksum; `ack(seq)` records that everything up to seq has
 * been delivered: the cursor file is replaced atomically (temp file, fsync,
 * rename, directory fsync) and segments wholly before it are deleted.
 *
 * Damage: at open, the last segment is scanned; a record a crash cut in half
 * at its end is truncated away (one notice). A segment whose header or a
 * record in the middle fails its check is renamed to `<name>.corrupt` (one
 * error line) and reading continues with the next segment; each segment is
 * quarantined at most once, so this never loops. A segment written by a
 * newer format version stops `open` with one sentence.
 */
import { mkdir, open, readdir, readFile, rename, unlink, stat, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { emit } from '../core/telemetry.ts';
import { segmentQuarantined, tornTailCut } from './events.ts';
import {
  CURSOR_FILE,
  FORMAT_VERSION,
  HEADER_SIZE,
  MAX_RECORD_PAYLOAD,
  QUARANTINE_SUFFIX,
  RECORD_HEADER_SIZE,
  decodeHeader,
  encodeHeader,
  encodeRecord,
  parseRecord,
  scanSegment,
  segmentFileName,
  segmentIdOf,
} from './format.ts';
import { Syncer, type SyncMode } from './syncer.ts';
import { lockDir } from './lock.ts';

export interface DiskBufferOptions {
  /** disk-buf-size(): segment files (headers and records) never exceed this many bytes */
  maxBytes: number;
  /** rotate segments at this size (default: 8 MiB, or a quarter of maxBytes when smaller) */
  segmentBytes?: number;
  /** reliable(): fsync every batch before reporting it durable */
  reliable: boolean;
  /** who owns the buffer, for log lines and counter labels (default: the directory) */
  name?: string;
  /** where fsync runs (default: a worker thread) */
  syncMode?: SyncMode;
}

export interface BufferRecord {
  seq: number;
  payload: Buffer;
}

export interface Cursor {
  format: number;
  /** every record up to this sequence number has been acknowledged */
  ackedSeq: number;
  /** the segment and offset just after that record */
  segment: number;
  offset: number;
}

interface Segment {
  id: number;
  path: string;
  /** bytes of the file that hold whole records (the writer's end for the open one) */
  size: number;
  /** no more records will be added */
  sealed: boolean;
  firstSeq: number;
}

interface Pending {
  record: Buffer;
  /** the record starts a new segment */
  rotate: boolean;
  firstSeq: number;
  /** absent for appendRecord(): its callers follow onDurable() instead */
  durable: { resolve(): void; reject(err: Error): void } | undefined;
}

/** Thrown for a directory this logferry must not use; its message is the one sentence to show. */
export class DiskBufferError extends Error {}

const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;
const MIN_READ_CHUNK = 64 * 1024;

export class DiskBuffer {
  private readonly segments: Segment[] = [];
  private bytes = 0;
  private nextSeq = 1;
  private cursor: Cursor;
  // the writer's plan (decided in append) and its state (after the flush)
  private planSize = 0;
  private planRecords = 0;
  private writeFd: FileHandle | undefined;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  // the reader
  private readSeg = 0;
  private readOff = HEADER_SIZE;
  /** the sequence number the next record read must carry */
  private readExpect = 1;
  /** records read but not yet acknowledged: where each one ends */
  private readLog: Array<{ seq: number; segment: number; end: number }> = [];
  private cursorWrite: Promise<void> | undefined;
  private cursorWanted: Cursor | undefined;
  /** the acknowledged sequence number the cursor file on disk holds */
  private cursorSaved = 0;
  private closed = false;
  private unlock: () => Promise<void> = async () => {};
  private readonly syncer: Syncer;
  readonly name: string;
  readonly segmentBytes: number;

  readonly dir: string;
  readonly opts: DiskBufferOptions;
  /**
   * Who wrote these records (128 random bits, hex), kept in the file
   * `sender-id` across opens: with the sequence numbers, what lets a receiver
   * drop a record it has already written after a resend.
   */
  readonly senderId: string;

  private constructor(dir: string, opts: DiskBufferOptions, cursor: Cursor, senderId: string, syncer: Syncer) {
    this.dir = dir;
    this.senderId = senderId;
    this.opts = opts;
    this.cursor = cursor;
    this.cursorSaved = cursor.ackedSeq;
    this.name = opts.name ?? dir;
    this.segmentBytes = opts.segmentBytes ?? Math.max(64 * 1024, Math.min(DEFAULT_SEGMENT_BYTES, Math.floor(opts.maxBytes / 4)));
    this.syncer = syncer;
  }

  static async open(dir: string, opts: DiskBufferOptions): Promise<DiskBuffer> {
    await mkdir(dir, { recursive: true });
    const unlock = await lockDir(dir);
    const syncer = new Syncer(opts.syncMode ?? 'worker');
    try {
      const cursor = await readCursor(dir);
      const b = new DiskBuffer(dir, opts, cursor, await senderIdOf(dir, opts.reliable ? syncer : undefined), syncer);
      b.unlock = unlock;
      await b.recover();
      return b;
    } catch (err) {
      await syncer.close();
      await unlock();
      throw err;
    }
  }

  private async recover(): Promise<void> {
    const ids = (await readdir(this.dir))
      .map(segmentIdOf)
      .filter((id): id is number => id !== undefined)
      .sort((a, b) => a - b);
    let maxSeq = this.cursor.ackedSeq;
    let maxId = this.cursor.segment;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      maxId = Math.max(maxId, id);
      const path = join(this.dir, segmentFileName(id));
      const last = i === ids.length - 1;
      if (id < this.cursor.segment) {
        // wholly acknowledged; a crash came between the cursor and the unlink
        await unlink(path);
        continue;
      }
      const size = (await stat(path)).size;
      const head = await readHead(path);
      const h = decodeHeader(head);
      if (h.kind === 'newer') {
        throw new DiskBufferError(
          `disk-buffer segment ${path} has format version ${h.version}, but this logferry reads version ${FORMAT_VERSION} at most; run a newer logferry or move the directory aside.`,
        );
      }
      if (h.kind === 'short' && last) {
        // created just before a crash, before its header was whole: holds no record
        await unlink(path);
        continue;
      }
      if (h.kind !== 'ok') {
        await this.quarantine(path, 0, h.kind === 'bad' ? h.reason : 'segment shorter than its header', 'all');
        continue;
      }
      // a segment's numbers are never reused, even when its records are lost
      maxSeq = Math.max(maxSeq, h.header.firstSeq - 1);
      let end = size;
      if (last) {
        // the segment being written at the crash: find its end, cut a torn record
        const scan = scanSegment(await readFile(path));
        if (scan.tail.kind === 'torn') {
          const fh = await open(path, 'r+');
          try {
            await fh.truncate(scan.tail.offset);
            if (this.opts.reliable) await fh.sync();
          } finally {
            await fh.close();
          }
          emit(tornTailCut, { buffer: this.name, file: path, offset: scan.tail.offset, bytes: scan.tail.bytes });
          end = scan.tail.offset;
        } else if (scan.tail.kind === 'corrupt') {
          await this.quarantine(path, scan.tail.offset, scan.tail.reason, 'after');
          // whatever numbers the file could hold count as used
          maxSeq = Math.max(maxSeq, h.header.firstSeq + Math.floor(size / RECORD_HEADER_SIZE));
          continue;
        }
        if (scan.lastSeq !== undefined) maxSeq = Math.max(maxSeq, scan.lastSeq);
      } else {
        // records of sealed segments are checked as they are read; bound their numbers by the next header
        const nextHead = decodeHeader(await readHead(join(this.dir, segmentFileName(ids[i + 1]))));
        if (nextHead.kind !== 'ok') maxSeq = Math.max(maxSeq, h.header.firstSeq + Math.floor(size / RECORD_HEADER_SIZE));
      }
      this.segments.push({ id, path, size: end, sealed: true, firstSeq: h.header.firstSeq });
      this.bytes += end;
    }
    this.nextSeq = maxSeq + 1;
    this.nextId = maxId + 1;
    this.readFromCursor();
  }

  /** Puts the reader just after the cursor: the first unacknowledged record is read next. */
  private readFromCursor(): void {
    // not a segment wholly before the cursor: an ack may be deleting those right now
    const first = this.segments.find((s) => s.id >= this.cursor.segment);
    if (first) {
      const atCursor = first.id === this.cursor.segment && this.cursor.offset > HEADER_SIZE;
      this.readSeg = first.id;
      this.readOff = atCursor ? this.cursor.offset : HEADER_SIZE;
      this.readExpect = atCursor ? this.cursor.ackedSeq + 1 : first.firstSeq;
    } else {
      // no segment (nothing written yet, or all quarantined): read() enters the next one written
      this.readSeg = -1;
      this.readOff = HEADER_SIZE;
    }
  }

  /**
   * Reading starts again after the cursor: every record read but not yet
   * acknowledged is read again (after a broken connection, to resend it).
   * Call it with no read() in flight.
   */
  rewind(): void {
    this.readLog = [];
    this.readFromCursor();
  }

  private nextId = 1;

  /** Bytes the segment files take. */
  get size(): number {
    return this.bytes;
  }

  /** Records appended and not yet acknowledged (after a quarantine: at most this many). */
  get unacknowledged(): number {
    return this.nextSeq - 1 - this.cursor.ackedSeq;
  }

  get acknowledged(): number {
    return this.cursor.ackedSeq;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Appends one record. Returns null, writing nothing, when it would take the
   * buffer over maxBytes; otherwise its sequence number and a promise that
   * settles once the record is written (and, reliable, synced).
   */
  append(payload: Buffer): { seq: number; durable: Promise<void> } | null {
    if (this.closed) throw new Error('disk buffer is closed');
    if (this.failure) return { seq: 0, durable: Promise.reject(this.failure) };
    let durable!: Pending['durable'];
    const promise = new Promise<void>((resolve, reject) => (durable = { resolve, reject }));
    const seq = this.plan(payload, durable);
    return seq === null ? null : { seq, durable: promise };
  }

  /**
   * append() without a promise per record, for callers that append thousands
   * a second: the sequence number, or null when full. Durability is reported
   * per batch to the onDurable() listeners; a write failure to onFailure().
   */
  appendRecord(payload: Buffer): number | null {
    if (this.closed) throw new Error('disk buffer is closed');
    if (this.failure) throw this.failure;
    return this.plan(payload, undefined);
  }

  /** `fn(seq)`: every record up to seq is durable (written, and synced when reliable). Returns the unsubscribe. */
  onDurable(fn: (seq: number) => void): () => void {
    this.durableListeners.add(fn);
    return () => this.durableListeners.delete(fn);
  }

  /** `fn(err)`: writing failed; nothing appended from then on becomes durable. Returns the unsubscribe. */
  onFailure(fn: (err: Error) => void): () => void {
    this.failureListeners.add(fn);
    return () => this.failureListeners.delete(fn);
  }

  private readonly durableListeners = new Set<(seq: number) => void>();
  private readonly failureListeners = new Set<(err: Error) => void>();

  private plan(payload: Buffer, durable: Pending['durable']): number | null {
    if (payload.length > MAX_RECORD_PAYLOAD) throw new RangeError(`a disk-buffer record holds at most ${MAX_RECORD_PAYLOAD} bytes, got ${payload.length}`);
    const recordSize = RECORD_HEADER_SIZE + payload.length;
    const rotate = this.planRecords === 0 || this.planSize + recordSize > this.segmentBytes;
    const grow = recordSize + (rotate ? HEADER_SIZE : 0);
    if (this.bytes + grow > this.opts.maxBytes) return null;
    this.bytes += grow;
    const seq = this.nextSeq++;
    if (rotate) {
      this.planSize = HEADER_SIZE;
      this.planRecords = 0;
    }
    this.planSize += recordSize;
    this.planRecords++;
    this.pending.push({ record: encodeRecord(seq, payload), rotate, firstSeq: seq, durable });
    this.flushing ??= this.flushLoop();
    return seq;
  }

  /** Settles when everything appended so far is durable. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    // let the callers of this tick join the first batch
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.writeBatch(batch);
        for (const p of batch) p.durable?.resolve();
        const last = batch[batch.length - 1].firstSeq;
        for (const fn of this.durableListeners) fn(last);
      } catch (err) {
        const failure = err instanceof Error ? err : new Error(String(err));
        this.failure = failure;
        for (const p of batch) p.durable?.reject(failure);
        for (const p of this.pending) p.durable?.reject(failure);
        this.pending = [];
        for (const fn of this.failureListeners) fn(failure);
      }
    }
    this.flushing = undefined;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let dirty = false;
    let i = 0;
    while (i < batch.length) {
      // (no open segment without a rotate: the writer's segment was quarantined under it)
      if (batch[i].rotate || !this.writeFd) {
        await this.startSegment(batch[i].firstSeq);
        dirty = true;
      }
      let j = i + 1;
      while (j < batch.length && !batch[j].rotate) j++;
      const seg = this.segments[this.segments.length - 1];
      const buf = Buffer.concat(batch.slice(i, j).map((p) => p.record));
      await writeAll(this.writeFd!, buf, seg.size);
      seg.size += buf.length;
      i = j;
    }
    if (this.opts.reliable && this.writeFd) {
      await this.syncer.fsync(this.writeFd.fd);
      if (dirty) await this.syncer.fsyncDir(this.dir);
    }
  }

  private async startSegment(firstSeq: number): Promise<void> {
    const prev = this.writeFd;
    if (prev) {
      // the old segment's records must be durable before the batch is reported
      if (this.opts.reliable) await this.syncer.fsync(prev.fd);
      await prev.close();
      this.writeFd = undefined;
      const last = this.segments[this.segments.length - 1];
      if (last) last.sealed = true;
    }
    const id = this.nextId++;
    const path = join(this.dir, segmentFileName(id));
    const fh = await open(path, 'wx');
    const header = encodeHeader({ id, created: Date.now(), firstSeq });
    await writeAll(fh, header, 0);
    this.writeFd = fh;
    this.segments.push({ id, path, size: HEADER_SIZE, sealed: false, firstSeq });
  }

  /**
   * Up to maxRecords of the next unread records, in order ([] when none is
   * written yet). A damaged segment met here is quarantined and skipped.
   */
  async read(maxRecords = 1024): Promise<BufferRecord[]> {
    const out: BufferRecord[] = [];
    // bounded: each turn either returns, moves to a later segment or removes one
    for (;;) {
      const seg = this.segments.find((s) => s.id >= this.readSeg);
      if (!seg) return out;
      if (seg.id !== this.readSeg) this.enterSegment(seg);
      if (this.readOff >= seg.size) {
        const next = this.segments.find((s) => s.id > seg.id);
        if (!seg.sealed || !next) return out;
        this.enterSegment(next);
        continue;
      }
      // sized to the records asked for: a sender reading 100 at a time must not read 1 MiB for each
      const length = Math.min(seg.size - this.readOff, READ_CHUNK, Math.max(MIN_READ_CHUNK, maxRecords * 128));
      let buf = await readAt(seg.path, this.readOff, length);
      let off = 0;
      let damage: string | undefined;
      while (off < buf.length && out.length < maxRecords) {
        let r = parseRecord(buf, off);
        if (r.kind === 'short' && this.readOff + off + r.need <= seg.size && off === 0) {
          // one record larger than the chunk
          buf = await readAt(seg.path, this.readOff, r.need);
          r = parseRecord(buf, 0);
        }
        if (r.kind === 'short') {
          if (this.readOff + off + r.need <= seg.size) break; // the rest is in the next chunk
          damage = 'a record runs past the end of its segment';
          break;
        }
        if (r.kind === 'bad') {
          damage = r.reason;
          break;
        }
        if (r.seq !== this.readExpect) {
          damage = `sequence number ${r.seq} where ${this.readExpect} was due`;
          break;
        }
        this.readExpect = r.seq + 1;
        if (r.seq <= this.cursor.ackedSeq) {
          // acknowledged already (a cursor that pointed earlier in this segment)
          off = r.end;
          continue;
        }
        out.push({ seq: r.seq, payload: Buffer.from(r.payload) });
        this.readLog.push({ seq: r.seq, segment: seg.id, end: this.readOff + r.end });
        off = r.end;
      }
      if (damage !== undefined) {
        const at = this.readOff + off;
        await this.quarantineSegment(seg, at, damage);
        if (out.length > 0) return out;
        continue;
      }
      this.readOff += off;
      if (out.length > 0) return out;
      if (off === 0) return out;
    }
  }

  private enterSegment(seg: Segment): void {
    this.readSeg = seg.id;
    this.readOff = HEADER_SIZE;
    this.readExpect = seg.firstSeq;
  }

  private async quarantineSegment(seg: Segment, offset: number, reason: string): Promise<void> {
    if (!seg.sealed) {
      // the writer's own segment: it moves on to a new one once its batch in flight is written
      await this.flush();
      // (unless that batch rotated already: then the writer's descriptor is the next segment's)
      if (!seg.sealed) {
        // state first, then the await: an append meanwhile plans a new segment
        const fd = this.writeFd;
        this.writeFd = undefined;
        seg.sealed = true;
        this.planRecords = 0;
        await fd?.close();
      }
    }
    this.segments.splice(this.segments.indexOf(seg), 1);
    this.bytes -= seg.size;
    // the next turn of read() enters the following segment (its id differs from readSeg); the
    // records already read from this one stay in readLog, so acknowledging them moves the cursor
    await this.quarantine(seg.path, offset, reason, 'after');
  }

  private async quarantine(path: string, offset: number, reason: string, lost: 'all' | 'after'): Promise<void> {
    const movedTo = path + QUARANTINE_SUFFIX;
    await rename(path, movedTo);
    if (this.opts.reliable) await this.syncer.fsyncDir(this.dir);
    emit(segmentQuarantined, {
      buffer: this.name,
      file: path,
      movedTo,
      offset,
      reason,
      lostRecords: lost === 'all' ? 'all records of the segment' : `records from offset ${offset} on`,
    });
  }

  /**
   * Acknowledges every record up to seq (which must have been read): the
   * cursor is replaced atomically, then segments wholly before it are
   * deleted. Settles once the cursor is durable.
   */
  async ack(seq: number): Promise<void> {
    let upTo = -1;
    while (upTo + 1 < this.readLog.length && this.readLog[upTo + 1].seq <= seq) upTo++;
    if (upTo < 0) return;
    const last = this.readLog[upTo];
    this.readLog.splice(0, upTo + 1);
    this.cursor = { format: FORMAT_VERSION, ackedSeq: last.seq, segment: last.segment, offset: last.end };
    await this.saveCursor(this.cursor);
    // delete what lies wholly before the cursor (sealed segments only: the writer's stays)
    while (this.segments.length > 0) {
      const s = this.segments[0];
      const done = s.id < this.cursor.segment || (s.id === this.cursor.segment && s.sealed && this.cursor.offset >= s.size);
      if (!done || !s.sealed) break;
      this.segments.shift();
      this.bytes -= s.size;
      await unlink(s.path);
    }
  }

  /**
   * Coalesces cursor writes: at most one in flight; acks arriving meanwhile are
   * covered by one write of the newest cursor. Settles once a cursor at least
   * as far as `c` is durable.
   */
  private async saveCursor(c: Cursor): Promise<void> {
    this.cursorWanted = c;
    // bounded: each turn waits for a write or starts one that covers c
    for (;;) {
      if (this.cursorSaved >= c.ackedSeq) return;
      if (this.cursorWrite) {
        await this.cursorWrite;
        continue;
      }
      // acks only move forward, so the newest wanted cursor covers c (c itself when a write of it failed)
      const want = this.cursorWanted ?? c;
      this.cursorWanted = undefined;
      const write = writeCursor(this.dir, want, this.opts.reliable ? this.syncer : undefined).then(() => {
        this.cursorSaved = Math.max(this.cursorSaved, want.ackedSeq);
      });
      this.cursorWrite = write.finally(() => (this.cursorWrite = undefined));
      await this.cursorWrite;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    while (this.cursorWrite) await this.cursorWrite;
    this.closed = true;
    await this.writeFd?.close();
    this.writeFd = undefined;
    await this.syncer.close();
    await this.unlock();
  }
}

export const SENDER_ID_FILE = 'sender-id';
const SENDER_ID = /^[0-9a-f]{32}$/;

/** The directory's sender id: read, or made once (written like the cursor: temp file, rename). */
async function senderIdOf(dir: string, syncer: Syncer | undefined): Promise<string> {
  const path = join(dir, SENDER_ID_FILE);
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (SENDER_ID.test(text)) return text;
    throw new DiskBufferError(`disk-buffer sender id ${path} is not 32 hex digits; remove it to get a new one (a receiver then cannot recognise records it already has from this buffer).`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomBytes(16).toString('hex');
  const tmp = path + '.tmp';
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(id + '\n');
    if (syncer) await syncer.fsync(fh.fd);
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  if (syncer) await syncer.fsyncDir(dir);
  return id;
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

async function readHead(path: string): Promise<Buffer> {
  return readAt(path, 0, HEADER_SIZE);
}

export async function readCursor(dir: string): Promise<Cursor> {
  let text: string;
  try {
    text = await readFile(join(dir, CURSOR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: FORMAT_VERSION, ackedSeq: 0, segment: 0, offset: 0 };
    throw err;
  }
  return parseCursor(text, join(dir, CURSOR_FILE));
}

/** The cursor file's text, checked; `file` names it in the one-sentence errors. */
export function parseCursor(text: string, file: string): Cursor {
  let c: Partial<Cursor>;
  try {
    c = JSON.parse(text) as Partial<Cursor>;
  } catch {
    throw new DiskBufferError(`disk-buffer cursor ${file} is not valid JSON; move it aside to resend everything the buffer holds.`);
  }
  if (typeof c.format === 'number' && c.format > FORMAT_VERSION) {
    throw new DiskBufferError(
      `disk-buffer cursor ${file} has format version ${c.format}, but this logferry reads version ${FORMAT_VERSION} at most; run a newer logferry or move the directory aside.`,
    );
  }
  const n = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
  const ackedSeq = n(c.ackedSeq);
  const segment = n(c.segment);
  const offset = n(c.offset);
  if (ackedSeq === undefined || segment === undefined || offset === undefined) {
    throw new DiskBufferError(`disk-buffer cursor ${file} lacks ackedSeq, segment or offset; move it aside to resend everything the buffer holds.`);
  }
  return { format: FORMAT_VERSION, ackedSeq, segment, offset };
}

/** temp file, fsync, rename over the old one, fsync of the directory: the cursor is the old one or the new one, never half. */
async function writeCursor(dir: string, c: Cursor, syncer: Syncer | undefined): Promise<void> {
  const tmp = join(dir, CURSOR_FILE + '.tmp');
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(c) + '\n');
    if (syncer) await syncer.fsync(fh.fd);
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, CURSOR_FILE));
  if (syncer) await syncer.fsyncDir(dir);
}
