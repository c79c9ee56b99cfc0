/**
 * disk-buffer() across a stop with the receiver down: the sender reads its
 * file into the buffer, cannot connect, is stopped (the stop line says the
 * records are kept, none lost), the buffer holds every one on disk; started
 * again with the receiver up it sends them all, once each, and the buffer
 * drains back to empty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { tempDir, waitForLines } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { bufferState, receiverConfig, senderConfig, tally, waitForBuffer, writeNumberedLines } from './disk-buffer.lib.ts';

const COUNT = 3000;

test('receiver down: messages are kept on disk across a stop and all delivered after a restart; the buffer ends empty', async (t) => {
  const dir = tempDir('lf-dbrestart');
  t.after(() => dir.remove());
  const port = await freePort();
  const input = join(dir.path, 'in.log');
  const bufBase = join(dir.path, 'bufs');
  const out = join(dir.path, 'out.log');
  writeNumberedLines(input, COUNT);
  const senderDir = join(dir.path, 'sender');
  const cfg = senderConfig({ input, port, bufBase, buffer: 'resend-window-time(0.2)' });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(senderDir);

  // 1. nobody listens: everything read goes to the buffer and stays there
  const first = await startLogferry({ name: 'sender', config: cfg, workdir: senderDir });
  t.after(() => first.stop(1000));
  await waitForBuffer(bufBase, (s) => s.unacknowledged === COUNT, 15_000, `${COUNT} records`);
  const e1 = await first.stop(5000);
  assert.equal(e1.code, 0, first.stderr());
  assert.match(first.stderr(), new RegExp(`lost='0'.*d: 0 written, ${COUNT} kept in its disk buffer`));
  assert.equal(bufferState(bufBase)!.unacknowledged, COUNT, 'the records are on disk after the stop');

  // 2. the receiver is up: a new sender (same config, same directory) sends what the buffer holds
  const recv = await startLogferry({ name: 'receiver', config: receiverConfig(port, out), readyPorts: [port] });
  t.after(() => recv.stop(1000));
  const second = await startLogferry({ name: 'sender', config: cfg, workdir: senderDir });
  t.after(() => second.stop(1000));
  const lines = await waitForLines(out, COUNT, 15_000);
  // the resend window passes with the connection up: every record leaves the buffer
  await waitForBuffer(bufBase, (s) => s.unacknowledged === 0, 10_000, 'empty');
  const e2 = await second.stop(5000);
  assert.equal(e2.code, 0, second.stderr());
  assert.match(second.stderr(), new RegExp(`lost='0'.*d: ${COUNT} written[;']`));
  const r = tally((await import('node:fs')).readFileSync(out, 'latin1').trimEnd().split('\n'), COUNT);
  assert.deepEqual(r.lost, [], 'every line arrived');
  assert.equal(r.duplicates, 0, 'nothing was sent twice: no connection broke');
  assert.ok(lines.length >= COUNT);
  assert.equal(bufferState(bufBase)!.unacknowledged, 0);
});
