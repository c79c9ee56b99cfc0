/**
 * The acceptance test of issue 16 item 2: sender logferry with
 * disk-buffer(reliable(yes)) and flow control → TLS (logferry-ack/1) →
 * receiver logferry writing a file(); 200 000 messages; the receiver
 * SIGKILLed and restarted twice mid-stream: 0 lost, 0 duplicates (counted by
 * sequence number), and the sender's buffer back to empty. In its own file:
 * it takes longer than the others (the time is printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { lineCount, tally, twoNodes, until } from './ack-e2e.lib.ts';

test('200 000 messages, receiver kill -9 and restart twice mid-stream: 0 lost, 0 duplicates, buffer empty', { timeout: 240_000, skip: skipUnlessPeers('openssl') }, async (t) => {
  const N = 200_000;
  const started = Date.now();
  const nodes = await twoNodes(t, 'lf-ack-e2e-kill', N);
  const kills: Array<{ at: number; restartMs: number }> = [];
  for (const mark of [0.3, 0.65]) {
    await until(() => lineCount(nodes.out) >= N * mark, 120_000, `${N * mark} lines at the receiver`);
    const at = lineCount(nodes.out);
    await nodes.killReceiver();
    const t0 = Date.now();
    await nodes.startReceiver();
    kills.push({ at, restartMs: Date.now() - t0 });
  }
  await until(() => lineCount(nodes.out) >= N, 120_000, `${N} lines at the receiver`);
  await until(() => nodes.unacked() === 0, 30_000, "the sender's buffer to drain");
  const r = tally(nodes.out, N);
  const took = Date.now() - started;
  t.diagnostic(`${N} messages in ${took} ms, receiver killed at ${kills.map((k) => k.at).join(' and ')} lines written`);
  assert.ok(kills.every((k) => k.at < N), 'both kills fell mid-stream');
  assert.deepEqual({ lines: r.lines, lost: r.lost.length, dup: r.dup.length, other: r.other }, { lines: N, lost: 0, dup: 0, other: [] }, `first lost ${r.lost.slice(0, 5)}, first dup ${r.dup.slice(0, 5)}`);
});
