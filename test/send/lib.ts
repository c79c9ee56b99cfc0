/**
 * Running `logferry send` as a user does (a child process from source) and counting what a
 * receiver wrote, per run: every run has its own sender ids, so tests sharing one receiver and
 * one output file never count each other's messages.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { runToExit, watchUntil } from '../helpers/peers.ts';
import type { SendReport } from '../../src/send/report.ts';

export interface SendRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the --json object, when the run printed one */
  report?: SendReport;
}

export async function runSendCli(args: string[], input?: string, timeoutMs = 60_000): Promise<SendRun> {
  const r = await runToExit(process.execPath, [LOGFERRY_MAIN, 'send', ...args], { name: `logferry send ${args.slice(0, 2).join(' ')}`, timeoutMs, input });
  let report: SendReport | undefined;
  if (args.includes('--json') && r.stdout.trim() !== '') report = JSON.parse(r.stdout) as SendReport;
  return { code: r.exit.code, stdout: r.stdout, stderr: r.stderr, report };
}

/** lines of `file` whose first field is one of `run`'s sender ids (`RUN-CONN`) */
async function linesOfRun(file: string, run: string): Promise<string[]> {
  let text = '';
  try {
    text = await readFile(file, 'latin1');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.startsWith(`${run}-`));
}

/**
 * Waits until `file` holds `n` lines of `run` (template `SENDER SEQ …`), then checks the set
 * is exact: per sender the sequence numbers are 1..k once each, and the total is n.
 */
export async function expectRunLines(file: string, run: string, n: number, timeoutMs = 30_000): Promise<string[]> {
  const lines = await watchUntil(
    file,
    async () => {
      const got = await linesOfRun(file, run);
      return got.length >= n ? got : undefined;
    },
    timeoutMs,
    async () => `${file}: ${(await linesOfRun(file, run)).length} of ${n} lines of run ${run} arrived within ${timeoutMs} ms`,
  );
  assert.equal(lines.length, n, `exactly ${n} lines of run ${run}`);
  const seqs = new Map<string, number[]>();
  for (const l of lines) {
    const [sender, seq] = l.split(' ');
    const list = seqs.get(sender) ?? [];
    list.push(Number(seq));
    seqs.set(sender, list);
  }
  for (const [sender, list] of seqs) {
    const sorted = [...list].sort((a, b) => a - b);
    assert.deepEqual(sorted, Array.from({ length: sorted.length }, (_, i) => i + 1), `${sender}: seq 1..${sorted.length}, each once`);
  }
  return lines;
}

/** the receiver template: sender, seq, MSG (the SD-ID of logferry send's structured data) */
export const SENDER_TEMPLATE = '${.SDATA.logferry@32473.sender} ${.SDATA.logferry@32473.seq} ${MSG}\n';
