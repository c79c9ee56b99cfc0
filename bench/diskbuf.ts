/**
 * `node bench/diskbuf.ts`: the disk buffer's append throughput on this
 * machine, and what its fsyncs cost everything else on the libuv thread pool.
 *
 * Cases: reliable with fsync in the worker thread (the default), reliable
 * with fsync on the thread pool, and without fsync. Each appends N records of
 * SIZE bytes with at most WINDOW of them awaiting durability (producers that
 * wait, as flow control will), from BUFFERS buffers at once; meanwhile a probe
 * loop times fs.stat calls (they run on the thread pool, as file() writes and
 * dns.lookup do) and reports their p50/p99. Then one record at a time
 * (append, await durable): the latency of one synced batch.
 *
 * Environment: DISKBUF_RECORDS (default 200000), DISKBUF_SIZE (200),
 * DISKBUF_WINDOW (5000), DISKBUF_BUFFERS (4), DISKBUF_DIR (a temp dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBuffer } from '../src/buffer/disk-buffer.ts';
import type { SyncMode } from '../src/buffer/syncer.ts';

const RECORDS = Number(process.env.DISKBUF_RECORDS ?? 200_000);
const SIZE = Number(process.env.DISKBUF_SIZE ?? 200);
const WINDOW = Number(process.env.DISKBUF_WINDOW ?? 5000);
const BUFFERS = Number(process.env.DISKBUF_BUFFERS ?? 4);
const root = mkdtempSync(join(process.env.DISKBUF_DIR ?? tmpdir(), 'lf-diskbuf-bench-'));

async function produce(b: DiskBuffer, n: number): Promise<void> {
  const payload = Buffer.alloc(SIZE, 0x61);
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const r = b.append(payload);
    if (!r) throw new Error('buffer full: raise maxBytes');
    inflight.push(r.durable);
    if (inflight.length >= WINDOW) await inflight.splice(0, WINDOW / 2).at(-1);
  }
  await Promise.all(inflight);
}

// the probe runs in its own thread: its event loop is not the busy main one, but its fs.stat
// calls queue on the same process-wide thread pool as the buffers' writes (and pool fsyncs)
const PROBE_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { stat } = process.getBuiltinModule('node:fs/promises');
let done = false;
parentPort.on('message', () => (done = true));
(async () => {
  const times = [];
  while (!done) {
    const t0 = performance.now();
    await stat(workerData);
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 1));
  }
  parentPort.postMessage(times);
})();
`;

async function probe(stop: { done: boolean; signal?: () => void }): Promise<number[]> {
  const w = new Worker(PROBE_SOURCE, { eval: true, workerData: root });
  stop.signal = () => w.postMessage('stop');
  const times = await new Promise<number[]>((resolve) => w.once('message', resolve));
  await w.terminate();
  return times.sort((a, b) => a - b);
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

async function run(round: number, label: string, reliable: boolean, syncMode: SyncMode, records = RECORDS, print = true): Promise<void> {
  const bufs = await Promise.all(
    Array.from({ length: BUFFERS }, (_, i) => DiskBuffer.open(join(root, `${label}-${round}-${i}`), { maxBytes: 4 * 1024 ** 3, segmentBytes: 16 * 1024 * 1024, reliable, syncMode })),
  );
  const stop: { done: boolean; signal?: () => void } = { done: false };
  const probing = probe(stop);
  const t0 = performance.now();
  await Promise.all(bufs.map((b) => produce(b, Math.floor(records / BUFFERS))));
  const secs = (performance.now() - t0) / 1000;
  stop.done = true;
  stop.signal?.();
  const lat = await probing;
  const total = Math.floor(records / BUFFERS) * BUFFERS;
  const bytes = bufs.reduce((n, b) => n + b.size, 0);
  // one at a time: each append waits for its own sync
  const single = bufs[0];
  const t1 = performance.now();
  const ONE = 200;
  for (let i = 0; i < ONE; i++) await single.append(Buffer.alloc(SIZE, 0x62))!.durable;
  const perSync = (performance.now() - t1) / ONE;
  await Promise.all(bufs.map((b) => b.close()));
  if (print) console.log(
    `${label.padEnd(22)} ${Math.round(total / secs).toString().padStart(9)} records/s ${(bytes / secs / 1e6).toFixed(1).padStart(7)} MB/s` +
      `   thread-pool stat p50 ${pct(lat, 0.5).toFixed(2)} ms p99 ${pct(lat, 0.99).toFixed(2)} ms max ${lat.at(-1)?.toFixed(1)} ms` +
      `   one-at-a-time ${perSync.toFixed(2)} ms/record`,
  );
}

console.log(`${RECORDS} records of ${SIZE} bytes, ${BUFFERS} buffers at once, window ${WINDOW}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, in ${root}`);
try {
  // a short unprinted warm-up of every case (JIT, the worker thread's start, the disk)
  await run(-1, 'warm-up worker', true, 'worker', RECORDS / 10, false);
  await run(-1, 'warm-up pool', true, 'pool', RECORDS / 10, false);
  await run(-1, 'warm-up none', false, 'worker', RECORDS / 10, false);
  // twice, alternating, so warm-up and disk state do not favour one case
  for (let round = 0; round < 2; round++) {
    await run(round, 'reliable, fsync worker', true, 'worker');
    await run(round, 'reliable, fsync pool', true, 'pool');
    await run(round, 'no fsync', false, 'worker');
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
