/**
 * Two logferry nodes, sender disk-buffer(reliable(yes)) + flow control → TLS
 * (ALPN logferry-ack/1) → receiver file(): a small run with both up.
 * The 200 000-message run with receiver kills is ack-e2e-kill.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { lineCount, tally, twoNodes, until } from './ack-e2e.lib.ts';

test('sender → receiver, both up: every message once, the acknowledging link in use, the buffer empty', { timeout: 60_000, skip: skipUnlessPeers('openssl') }, async (t) => {
  const N = 5000;
  const nodes = await twoNodes(t, 'lf-ack-e2e', N);
  await until(() => lineCount(nodes.out) >= N, 30_000, `${N} lines at the receiver`);
  await until(() => nodes.unacked() === 0, 10_000, "the sender's buffer to drain");
  const r = tally(nodes.out, N);
  assert.deepEqual({ lines: r.lines, lost: r.lost.length, dup: r.dup.length, other: r.other }, { lines: N, lost: 0, dup: 0, other: [] });
  // the receiver journaled this sender's W: the connection was logferry-ack/1, not plain
  const journal = await import('node:fs').then((fs) => fs.readFileSync(`${nodes.receiver().workdir}/daemon.persist.acks`, 'utf8'));
  assert.match(journal, new RegExp(`"w":\\["[0-9a-f]{32}",${N}\\]`), 'W of the sender reached its last message (buffer seqs start at 1)');
});
