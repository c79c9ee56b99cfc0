/**
 * What the benchmark measures: messages delivered into the receiver's output file during a fixed
 * window (newlines between two file offsets) and the receiver's CPU time over the same window
 * (utime + stime of all its threads from /proc/PID/stat).
 */
import { spawnSync } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';

let clkTck: number | undefined;

/** Kernel clock ticks per second (getconf CLK_TCK; 100 on Linux). */
export function clockTicks(): number {
  if (clkTck === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clkTck = Number(r.stdout.trim()) || 100;
  }
  return clkTck;
}

/** CPU seconds (user + system, all threads) of a process and its live descendants (a daemon that forks is measured whole). */
export async function cpuSeconds(pid: number): Promise<number> {
  let total = await ownCpuSeconds(pid);
  for (const child of await childrenOf(pid)) total += await cpuSeconds(child);
  return total;
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'latin1');
    return text.split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function ownCpuSeconds(pid: number): Promise<number> {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'latin1');
    // fields after the ") " that ends the command name: state is field 3, utime 14, stime 15
    const rest = s.slice(s.lastIndexOf(') ') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / clockTicks();
  } catch {
    return 0;
  }
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Number of `\n` bytes in [start, end) of a file, read in 4 MiB blocks. */
export async function countNewlines(path: string, start: number, end: number): Promise<number> {
  if (end <= start) return 0;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    let n = 0;
    for (let pos = start; pos < end;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(0x0a, 0); i !== -1 && i < bytesRead; i = buf.indexOf(0x0a, i + 1)) n++;
      pos += bytesRead;
    }
    return n;
  } finally {
    await fh.close();
  }
}

export interface Sample {
  t: number;
  size: number;
  cpu: number;
}

export async function sample(file: string, pid: number): Promise<Sample> {
  const [size, cpu] = await Promise.all([fileSize(file), cpuSeconds(pid)]);
  return { t: performance.now() / 1000, size, cpu };
}

export interface Measurement {
  delivered: number;
  seconds: number;
  msgPerSec: number;
  /** receiver CPU in % of one core (200 % = two cores busy) */
  cpuPct: number;
  /** receiver CPU microseconds per delivered message */
  usPerMsg: number;
}

export async function measureBetween(file: string, a: Sample, b: Sample): Promise<Measurement> {
  const delivered = await countNewlines(file, a.size, b.size);
  const seconds = b.t - a.t;
  const cpu = b.cpu - a.cpu;
  return {
    delivered,
    seconds,
    msgPerSec: delivered / seconds,
    cpuPct: (100 * cpu) / seconds,
    usPerMsg: delivered > 0 ? (cpu * 1e6) / delivered : NaN,
  };
}
