/**
 * Kernel messages from /dev/kmsg, as AxoSyslog 4.27's system() reads them
 * (file("/dev/kmsg" program-override("kernel") flags(kernel)
 * format(linux-kmsg) keep-timestamp(no))).
 *
 * Where the reading happens: a dedicated worker thread that owns the file
 * descriptor. Node's fs streams would park one of libuv's four shared pool
 * threads in a read that returns only when the kernel logs something, which
 * stalls file() sources, DNS lookups and disk-buffer I/O of the whole daemon.
 * The worker opens the device non-blocking and, when nothing is there, sleeps
 * on Atomics.wait (at most POLL_MS), so a stop is noticed at once and never
 * waits for the kernel; a record costs one read() of that thread only.
 *
 * The persist file keeps the boot id and the sequence number of the last
 * record acknowledged (`kmsg_seq(PATH)`, a logferry name: 4.27 re-reads the
 * kernel ring buffer at each start); after a restart in the same boot the
 * records up to it are skipped.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { internalLog } from '../core/internal-log.ts';
import { LogMessage, nowTimestamp } from '../message/log-message.ts';
import type { Route } from '../pipeline/types.ts';

const POLL_MS = 100;

// plain JavaScript, evaluated as the worker (no module file to locate in src/ or dist/)
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const stop = new Int32Array(workerData.stop);
function run() {
let fd;
try {
  fd = fs.openSync(workerData.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
} catch (err) {
  parentPort.postMessage({ error: err.message });
  return;
}
const buf = Buffer.allocUnsafe(16384);
while (Atomics.load(stop, 0) === 0) {
  let n = 0;
  try {
    n = fs.readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    // EPIPE: records were overwritten before they were read; the next read goes on with the oldest left
    if (err.code === 'EPIPE') continue;
    if (err.code !== 'EAGAIN') {
      parentPort.postMessage({ error: err.message });
      break;
    }
  }
  if (n > 0) parentPort.postMessage({ chunk: Buffer.from(buf.subarray(0, n)) });
  else Atomics.wait(stop, 0, 0, ${POLL_MS});
}
fs.closeSync(fd);
}
run();
`;

export interface KmsgRecord {
  pri: number;
  seq: number;
  text: string;
  /** continuation lines ` KEY=VALUE` */
  fields: Array<[string, string]>;
}

/** \\xNN escapes of the kernel's record text back to bytes */
function unescape(s: string): string {
  if (!s.includes('\\x')) return s;
  return Buffer.from(s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))), 'latin1').toString('utf8');
}

/** The records in a chunk of /dev/kmsg text ("pri,seq,usec,flags;text" lines, each followed by " KEY=VALUE" lines). */
export function parseKmsg(text: string): KmsgRecord[] {
  const out: KmsgRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ')) {
      const last = out[out.length - 1];
      const eq = line.indexOf('=');
      if (last && eq > 1) last.fields.push([line.slice(1, eq), unescape(line.slice(eq + 1))]);
      continue;
    }
    const semi = line.indexOf(';');
    if (semi < 0) continue;
    const head = line.slice(0, semi).split(',');
    const pri = Number.parseInt(head[0], 10);
    const seq = Number.parseInt(head[1], 10);
    if (!Number.isFinite(pri) || !Number.isFinite(seq)) continue;
    out.push({ pri, seq, text: unescape(line.slice(semi + 1)), fields: [] });
  }
  return out;
}

export interface KmsgOptions {
  path: string;
  sourceName: string;
  hostname: string;
  tags: readonly string[];
}

function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

export class KmsgReader {
  private readonly o: KmsgOptions;
  private worker: Worker | undefined;
  private stopFlag: Int32Array | undefined;
  private readonly boot = bootId();
  /** records up to this sequence number were handed on before the restart */
  private skipUpTo = -1;
  private committed: number | undefined;
  private readonly open: Array<{ seq: number; done: boolean }> = [];
  private partial = '';

  constructor(o: KmsgOptions) {
    this.o = o;
  }

  get persistKey(): string {
    return `kmsg_seq(${this.o.path})`;
  }

  resume(cursor: string): void {
    const [boot, seq] = cursor.split(';');
    // sequence numbers start again at each boot
    if (boot === this.boot && /^\d+$/.test(seq ?? '')) this.skipUpTo = Number(seq);
  }

  get cursor(): string | undefined {
    return this.committed === undefined ? undefined : `${this.boot};${this.committed}`;
  }

  start(route: Route): void {
    const sab = new SharedArrayBuffer(4);
    this.stopFlag = new Int32Array(sab);
    const w = new Worker(WORKER_SOURCE, { eval: true, name: 'logferry-kmsg', workerData: { path: this.o.path, stop: sab } });
    this.worker = w;
    w.on('message', (m: { chunk?: Uint8Array; error?: string }) => {
      if (m.error !== undefined) {
        internalLog('error', 'Cannot read kernel messages', { path: this.o.path, error: m.error });
        return;
      }
      if (m.chunk) this.onChunk(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength), route);
    });
    w.on('error', (err) => internalLog('error', 'The kernel message reader failed', { path: this.o.path, error: err.message }));
  }

  private onChunk(chunk: Buffer, route: Route): void {
    // a real /dev/kmsg read is one whole record; a plain file (tests) may cut anywhere: keep the unfinished line
    const text = this.partial + chunk.toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    this.partial = text.slice(cut);
    for (const r of parseKmsg(text.slice(0, cut))) {
      if (r.seq <= this.skipUpTo) continue;
      const msg = new LogMessage(nowTimestamp());
      // flags(kernel): a record without facility bits is kern (0), which the number already says
      msg.pri = r.pri & 0x3ff;
      msg.program = 'kernel';
      msg.message = r.text;
      msg.host = this.o.hostname;
      msg.msgformat = 'linux-kmsg';
      msg.values.set('.linux.seqnum', String(r.seq));
      for (const [k, v] of r.fields) msg.values.set(`.linux.${k}`, v);
      msg.sourceName = this.o.sourceName;
      for (const t of this.o.tags) msg.setTag(t);
      const e = { seq: r.seq, done: false };
      this.open.push(e);
      route(msg, () => {
        e.done = true;
        while (this.open.length > 0 && this.open[0].done) this.committed = this.open.shift()!.seq;
      });
    }
  }

  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    const done = new Promise<void>((r) => w.once('exit', () => r()));
    Atomics.store(this.stopFlag!, 0, 1);
    Atomics.notify(this.stopFlag!, 0);
    await done;
  }
}

/** whether /dev/kmsg (or the path given instead) can be opened for reading here */
export function kmsgReadable(path: string): boolean {
  try {
    fs.closeSync(fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}
