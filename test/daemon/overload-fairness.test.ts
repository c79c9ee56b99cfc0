/**
 * Fairness on a shared destination: the flow-control window is split among the connections of
 * a source (log-iw-size() / max-connections(), at least min-iw-size-per-reader(), as AxoSyslog
 * does), so a connection that floods can fill the destination's queue with its own share only.
 * A quiet connection on the same source keeps getting its messages through promptly while the
 * noisy one is held back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { runSendCli } from '../send/lib.ts';
import { startRig } from './overload.lib.ts';

const RATE = 2000;
const QUIET = 20;

test('a flooding connection does not starve a quiet one on the same source and destination', { timeout: 45_000, skip: skipUnlessLogferry() }, async (t) => {
  // 10 000 / 10 connections: each connection may have 1 000 messages in the queue; the
  // destination writes 2 000 a second, so a quiet message waits behind at most ~0.5 s of them
  const rig = await startRig(t, { flowControl: true, source: 'log-iw-size(10000) max-connections(10)', destination: `throttle(${RATE})` });
  const { rx } = rig;
  const sent = new Map<number, number>();
  const latency: number[] = [];
  rx.onLine = (id, seq) => {
    if (id === 'quiet-1' && sent.has(seq)) latency.push(Date.now() - sent.get(seq)!);
  };
  const noisy = runSendCli(['127.0.0.1', String(rig.port), '--transport', 'tcp', '--duration', '8', '--json'], undefined, 40_000);
  // let the noisy one fill its window and the kernel buffers first
  await rx.until(() => rx.lines >= RATE, 10_000, () => `the noisy sender got ${rx.lines} lines through`);
  const quiet = net.connect(rig.port, '127.0.0.1');
  t.after(() => quiet.destroy());
  await new Promise<void>((resolve, reject) => quiet.once('connect', resolve).once('error', reject));
  for (let seq = 1; seq <= QUIET; seq++) {
    const rec = `<14>1 - h quiet - - [logferry@32473 sender="quiet-1" seq="${seq}"] quiet message`;
    sent.set(seq, Date.now());
    quiet.write(`${Buffer.byteLength(rec)} ${rec}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await rx.until(() => latency.length === QUIET, 10_000, () => `${latency.length} of ${QUIET} quiet messages arrived`);
  quiet.end();
  t.diagnostic(`quiet latencies (ms): ${latency.join(' ')}`);
  assert.ok(Math.max(...latency) < 2000, `every quiet message arrived within 2 s (worst ${Math.max(...latency)} ms)`);
  assert.deepEqual(rx.senders.get('quiet-1'), { count: QUIET, last: QUIET, breaks: 0 });
  const run = await noisy;
  assert.ok(run.report!.sent > RATE * 8 * 2, `the noisy sender offered more than the destination writes (${run.report!.sent})`);
});
