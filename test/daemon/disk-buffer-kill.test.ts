/**
 * disk-buffer(reliable(yes)) with flow control from a file() source: the
 * sender is SIGKILLed mid-stream and started again. A line the source took
 * was acknowledged only once its record was synced, so the restart finds it
 * in the buffer (or reads it again from the file, after the saved position):
 * the receiver gets every line of the file at least once. Duplicates (lines
 * re-read, records resent from the cursor) are counted, and allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { FileTail, tempDir, waitForLines, watchUntil } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { receiverConfig, senderConfig, tally, waitForBuffer, writeNumberedLines } from './disk-buffer.lib.ts';

const COUNT = 60_000;

test('sender SIGKILLed mid-stream and restarted: 0 of the file\'s lines lost at the receiver, the buffer drains', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('lf-dbkill');
  t.after(() => dir.remove());
  const port = await freePort();
  const input = join(dir.path, 'in.log');
  const bufBase = join(dir.path, 'bufs');
  const out = join(dir.path, 'out.log');
  const senderDir = join(dir.path, 'sender');
  mkdirSync(senderDir);
  writeNumberedLines(input, COUNT);
  const recv = await startLogferry({ name: 'receiver', config: receiverConfig(port, out), readyPorts: [port] });
  t.after(() => recv.stop(1000));
  const cfg = senderConfig({ input, port, bufBase, buffer: 'resend-window-time(0.5)' });

  const first = await startLogferry({ name: 'sender', config: cfg, workdir: senderDir });
  t.after(() => first.stop(1000));
  await waitForLines(out, COUNT / 6, 20_000);
  process.kill(first.pid, 'SIGKILL');
  await first.process.exited;
  const atKill = (await waitForLines(out, 0, 1000)).length;
  assert.ok(atKill < COUNT, `killed mid-stream (${atKill} of ${COUNT} lines had arrived)`);

  const second = await startLogferry({ name: 'sender', config: cfg, workdir: senderDir });
  t.after(() => second.stop(1000));
  const tail = new FileTail(out);
  await watchUntil(
    out,
    async () => {
      await tail.poll();
      const lines = tail.contents().toString('latin1').split('\n');
      lines.pop();
      return tally(lines, COUNT).lost.length === 0 ? true : undefined;
    },
    30_000,
    async () => `not every line arrived: ${tally(readFileSync(out, 'latin1').trimEnd().split('\n'), COUNT).lost.length} missing`,
  );
  await waitForBuffer(bufBase, (s) => s.unacknowledged === 0, 15_000, 'empty');
  await second.stop(5000);
  const r = tally(readFileSync(out, 'latin1').trimEnd().split('\n'), COUNT);
  t.diagnostic(`${atKill} lines before the kill; ${r.received} received, ${r.duplicates} duplicates, ${r.lost.length} lost`);
  assert.deepEqual(r.lost, []);
  assert.equal(r.distinct, COUNT);
});
